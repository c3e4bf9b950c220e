// The floor: node:http answering every POST with one canned reply, reading the body and nothing else.
import { createServer } from 'node:http';

const REPLY = Buffer.from(
  '<?xml version="1.0"?><methodResponse><params><param><value><struct>' +
    '<member><name>code</name><value><int>0</int></value></member>' +
    '<member><name>value</name><value><int>0</int></value></member>' +
    '<member><name>output</name><value><string/></value></member>' +
    '</struct></value></param></params></methodResponse>',
);

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': REPLY.length });
    res.end(REPLY);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
