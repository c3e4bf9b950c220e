import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load-config.js';
import { generateToken } from '../../src/endpoint/token-path.js';
import { createLogger } from '../../src/log/logger.js';
import { FakeSshRunner } from '../helpers/fake-ssh-runner.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { postXml } from '../helpers/xmlrpc-raw-http.js';

const TOKEN = generateToken();
const PASSPHRASE = 'pass-5f1d9c-phrase';
const PASSWORD = 'hunter2-7c0e';
const PEM =
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
const SECRETS = [TOKEN, PASSPHRASE, PASSWORD, 'MIGHAgEAMBMGByqGSM49'];

/** The production logger (createLogger), writing into an array instead of stdout. */
function productionLogger() {
  const out: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void out.push(line) } });
  return { logger, text: () => out.join('') };
}

describe('secrets in the log', () => {
  it.each([
    ['at the top level', { token: TOKEN, passphrase: PASSPHRASE, password: PASSWORD, privateKey: PEM }],
    ['in a config section', { endpoint: { token: TOKEN, tls: { cert: '/c.pem', key: PEM } } }],
    [
      'in a whole configuration',
      { config: { endpoint: { token: TOKEN, tls: { key: PEM } }, ssh: { privateKey: PEM } } },
    ],
    ['three levels down', { a: { b: { c: { token: TOKEN, passphrase: PASSPHRASE } } } }],
    ['in request headers', { req: { headers: { authorization: `Bearer ${TOKEN}`, cookie: `s=${TOKEN}` } } }],
    ['as credentials', { credentials: { user: 'u', password: PASSWORD }, remote: { credentials: PASSWORD } }],
    ['in a list', { callers: [{ token: TOKEN }, { secret: PASSWORD }] }],
  ])('never appear %s', (_, object) => {
    const { logger, text } = productionLogger();
    logger.info(object, 'something happened');
    expect(text()).toContain('[redacted]');
    for (const secret of SECRETS) expect(text()).not.toContain(secret);
  });

  it('never appear on an error object or in a child logger’s bindings', () => {
    const { logger, text } = productionLogger();
    const error = Object.assign(new Error('connect failed'), { passphrase: PASSPHRASE, token: TOKEN });
    logger.error({ err: error }, 'connect failed');
    logger.child({ token: TOKEN, endpoint: { token: TOKEN } }).warn({ passphrase: PASSPHRASE }, 'child');
    logger
      .child({ nodeId: 'pc1' })
      .child({ ssh: { passphrase: PASSPHRASE } })
      .info('grandchild');
    for (const secret of SECRETS) expect(text()).not.toContain(secret);
    expect(text()).toContain('connect failed');
  });

  it('never appear in what a running agent logs while serving and refusing calls', async () => {
    const { logger, text } = productionLogger();
    const config = parseConfig(
      {
        endpoint: { listen: '127.0.0.1:0', token: TOKEN },
        nodes: [{ node_id: 'pc1', host: 'pc1.test' }],
        log: { level: 'trace' },
      },
      'test',
      '/',
    );
    const agent = createAgent({ config, logger, runner: new FakeSshRunner(), clock: new SimulatedClock() });
    const { port, redactedUrl } = await agent.listen(0, '127.0.0.1');
    try {
      const call = perlMethodCall('NotifyDeletePending', [{ nodelist: [{ node_id: 'pc1', max_wait_time: 60 }] }]);
      expect((await postXml(port, call, { path: `/dynslice/${TOKEN}` })).status).toBe(200);
      expect((await postXml(port, call, { path: `/dynslice/${TOKEN.slice(0, 30)}` })).status).toBe(403);
      expect((await postXml(port, 'garbage', { path: `/dynslice/${TOKEN}` })).status).toBe(200);
      logger.info({ url: redactedUrl }, 'endpoint listening');
    } finally {
      await agent.close();
    }
    expect(text()).toContain('xml-rpc call answered');
    expect(text()).toContain('xml-rpc request refused');
    expect(text()).toContain('/dynslice/[token]');
    expect(text()).not.toContain(TOKEN.slice(0, 12));
  });
});

describe('redaction by member name', () => {
  it('leaves an object without secrets untouched (the same object) and never changes what was logged', async () => {
    const { redactSecrets } = await import('../../src/log/redact.js');
    const plain = { method: 'NotifyDeletePending', nodes: 3, nested: { a: [1, { b: 2 }] } };
    expect(redactSecrets(plain)).toBe(plain);
    const config = { endpoint: { token: TOKEN, tls: { key: PEM, cert: '/c.pem' } }, key: '/keep/this/path' };
    const redacted = redactSecrets(config);
    expect(redacted).toEqual({
      endpoint: { token: '[redacted]', tls: { key: '[redacted]', cert: '/c.pem' } },
      key: '/keep/this/path',
    });
    expect(config.endpoint.token).toBe(TOKEN);
    expect(config.endpoint.tls.key).toBe(PEM);
  });

  it('keeps an error an error, with its message and stack, and survives frozen objects and cycles', async () => {
    const { redactSecrets } = await import('../../src/log/redact.js');
    const error = Object.assign(new TypeError('bad'), { token: TOKEN });
    const redacted = redactSecrets({ err: error }).err;
    expect(redacted).toBeInstanceOf(TypeError);
    expect([redacted.message, redacted.stack, redacted.token]).toEqual(['bad', error.stack, '[redacted]']);
    const frozen = Object.freeze({ password: PASSWORD });
    expect(redactSecrets({ frozen }).frozen.password).toBe('[redacted]');
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(() => redactSecrets(cyclic)).not.toThrow();
  });

  it('redacts deeper than pino paths reached: six levels down', () => {
    const { logger, text } = productionLogger();
    logger.info({ a: { b: { c: { d: { e: { secret: PASSWORD } } } } } }, 'deep');
    expect(text()).not.toContain(PASSWORD);
  });
});
