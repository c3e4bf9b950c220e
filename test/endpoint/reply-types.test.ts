import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { postXml } from '../helpers/xmlrpc-raw-http.js';
import { startTestEndpoint, type TestEndpoint } from '../helpers/xmlrpc-test-endpoint.js';

const memberXml = (xml: string, name: string): string[] =>
  [...xml.matchAll(new RegExp(`<member><name>${name}</name><value>(.*?)</value></member>`, 'g'))].map(
    (m) => m[1] ?? '',
  );

describe('the XML types of replies', () => {
  let endpoint: TestEndpoint;
  beforeAll(async () => (endpoint = await startTestEndpoint()));
  afterAll(() => endpoint.close());

  it('sends code and the default value as <int>, output as a string, and never <nil/>', async () => {
    for (const body of [
      perlMethodCall('GetVersion', []),
      perlMethodCall('SetResourceValues', [{ nodelist: [{ node_id: 'pc1', value: 1 }] }]),
      perlMethodCall('NotifyDeleteComplete', [{ nodelist: [{ node_id: 'pc1' }] }]),
      perlMethodCall('SetResourceValues', [{ nodelist: 'bad' }]),
    ]) {
      const { body: xml } = await postXml(endpoint.port, body);
      expect(memberXml(xml, 'code')).toEqual([expect.stringMatching(/^<int>\d+<\/int>$/)]);
      expect(memberXml(xml, 'value')).toEqual(['<int>0</int>']);
      expect(memberXml(xml, 'output')).toEqual([expect.stringMatching(/^<string(>[^<]*<\/string>|\/>)$/)]);
      expect(xml).not.toContain('<nil');
    }
  });

  it('echoes each max_wait_time with the type it came in, and a released node with <int>0', async () => {
    endpoint.handlers.released = new Set(['pc2', 'pc4']);
    const nodelist = [
      { node_id: 'pc1', max_wait_time: { $int: 120 } },
      { node_id: 'pc2', max_wait_time: 120 },
      { node_id: 'pc3', max_wait_time: '60' },
      { node_id: 'pc4', max_wait_time: '60' },
    ];
    const { body: xml } = await postXml(endpoint.port, perlMethodCall('NotifyDeletePending', [{ nodelist }]));
    expect(memberXml(xml, 'max_wait_time')).toEqual([
      '<int>120</int>',
      '<int>0</int>',
      '<string>60</string>',
      '<int>0</int>',
    ]);
    expect(memberXml(xml, 'node_id')).toEqual([
      '<string>pc1</string>',
      '<string>pc2</string>',
      '<string>pc3</string>',
      '<string>pc4</string>',
    ]);
    expect(xml).not.toContain('<nil');
  });
});
