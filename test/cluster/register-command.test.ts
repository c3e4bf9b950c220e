import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ClusterSimulator, createClusterSimulator } from '../../src/sim/cluster-simulator.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { runCli, startCli } from '../helpers/cli-process.js';

const NODES = [1, 2, 3].map((i) => ({ nodeId: `pc${i}`, clientId: `node${i}` }));
const CREDENTIAL = '<signed-credential>slice</signed-credential>';

// Process-level: the built CLI (`npm run build` first) against the simulator in this process.
describe('registering the endpoint from the command line', () => {
  let sim: ClusterSimulator;
  let simUrl: string;
  let dir: string;

  async function configFile(name: string, doc: { endpoint?: object; cluster?: object }): Promise<string> {
    const file = join(dir, `${name}.yaml`);
    await writeFile(
      file,
      stringify({
        endpoint: { listen: '127.0.0.1:8001', ...doc.endpoint },
        nodes: NODES.map((n) => ({ node_id: n.nodeId, client_id: n.clientId, host: `${n.clientId}.invalid` })),
        drain: { steps: [{ name: 'stop-jobs', run: 'pkill -f my-job', verify: '! pgrep -f my-job' }] },
        state: { dir: join(dir, 'state') },
        cluster: {
          url: simUrl,
          sliceUrn: sim.sliceUrn,
          credentialPath: 'slice.credential',
          defwaittime: 60,
          retryDelaySeconds: 0,
          ...doc.cluster,
        },
      }),
    );
    return file;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynslice-register-'));
    await writeFile(join(dir, 'slice.credential'), CREDENTIAL);
    sim = createClusterSimulator({ nodes: NODES, logger: captureLogger('warn').logger, maxwaittime: 600 });
    simUrl = await sim.listen();
  });

  afterAll(async () => {
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('register sends the endpoint derived from endpoint.listen, the credential file and defwaittime', async () => {
    const run = await runCli(['register', '-c', await configFile('plain', {})]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `registered http://127.0.0.1:8001 for ${sim.sliceUrn}: policy LIFO, defwaittime 60 s (cluster maxwaittime 600 s)\n`,
    );
    expect(sim.api.state.current).toMatchObject({
      url: 'http://127.0.0.1:8001/dynslice',
      credentials: [CREDENTIAL],
      policy: 'LIFO',
      defwaittime: 60,
    });
  });

  it('unregister removes it', async () => {
    const run = await runCli(['unregister', '-c', await configFile('plain', {})]);
    expect(run.code).toBe(0);
    expect(sim.api.state.current).toBeNull();
  });

  it('a defwaittime above the cluster’s maxwaittime fails with exit 1 and says both numbers', async () => {
    const run = await runCli(['register', '-c', await configFile('greedy', { cluster: { defwaittime: 7200 } })]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /registration failed: cluster\.defwaittime 7200 s is above the cluster's maxwaittime 600 s/,
    );
    expect(sim.api.state.current).toBeNull();
  });

  it('a missing key is a configuration error (exit 2) naming it', async () => {
    const run = await runCli(['register', '-c', await configFile('incomplete', { cluster: { sliceUrn: undefined } })]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cluster\.sliceUrn: required/);
  });

  it('a portal credential without a private key is a configuration error (exit 2) naming the file, never a stack trace', async () => {
    await writeFile(join(dir, 'cert-only.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const run = await runCli([
      'register',
      '-c',
      await configFile('pem', { cluster: { url: simUrl.replace('http:', 'https:'), credentialPem: 'cert-only.pem' } }),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `dynslice-agent: cluster.credentialPem: ${join(dir, 'cert-only.pem')} holds no private key (no -----BEGIN … PRIVATE KEY----- block): download the credential again from the portal\n`,
    );
  });

  it('run --shadow registers on start, answers the countdown without releasing anyone, and reports what it would have released', async () => {
    const file = await configFile('shadow', {
      endpoint: { listen: '127.0.0.1:0' },
      cluster: { register: true, unregisterOnStop: true },
    });
    const agent = startCli(['run', '--shadow', '-c', file]);
    const registration = await sim.api.waitForRegistration(30_000).catch((error: Error) => {
      throw new Error(`${error.message}; agent stderr: ${agent.stderr()}`);
    });
    expect(registration.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dynslice$/);
    expect(registration.url).not.toBe('http://127.0.0.1:0/dynslice');
    const record = await sim.run(parseScenario({ name: 'shadow', interval: 0.4, waitTime: 2, otherNodes: 0 }, 'test'));
    expect(record.nodes.map((n) => n.end)).toEqual(['deadline', 'deadline', 'deadline']);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    const lines = agent
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const would = lines.filter((l) => l.msg === 'shadow: node would have been released');
    expect(would.map((l) => [l.nodeId, l.countdown]).sort()).toEqual([
      ['pc1', 2],
      ['pc2', 2],
      ['pc3', 2],
    ]);
    const summary = lines.find((l) => l.msg === 'shadow what-if summary');
    expect(summary).toMatchObject({ wouldRelease: 3, wouldGiveBackSeconds: 3 * 2 });
    expect(lines.filter((l) => l.msg === 'dry run: would run command').length).toBeGreaterThanOrEqual(3);
    expect(lines.some((l) => l.msg === 'ssh connected' || l.msg === 'ssh connect failed')).toBe(false);
    expect(sim.api.state.current).toBeNull();
  });
});
