import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClusterClient, createClusterClient } from '../../src/cluster/cluster-client.js';
import { ClusterError } from '../../src/cluster/cluster-error.js';
import { registerEndpoint } from '../../src/cluster/registration.js';
import { type ClusterSimulator, createClusterSimulator } from '../../src/sim/cluster-simulator.js';
import { captureLogger } from '../helpers/capture-logger.js';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e as ClusterError,
  );
const request = { sliceUrn: '', credentials: ['<credential/>'], endpointUrl: 'http://127.0.0.1:9/dynslice' };

describe("the simulator's server-side API, called by the agent's registration client", () => {
  let sim: ClusterSimulator;
  let client: ClusterClient;
  const log = captureLogger('info');

  async function start(retries = 3): Promise<void> {
    sim = createClusterSimulator({ nodes: [], logger: log.logger, maxwaittime: 600, policy: 'LIFO' });
    const url = await sim.listen();
    client = createClusterClient({ url, timeoutMs: 2_000, retries, retryDelayMs: 10, logger: log.logger });
    request.sliceUrn = sim.sliceUrn;
  }

  afterEach(async () => sim?.close());

  it('answers GetVersion and GetServerDefaults', async () => {
    await start();
    expect(await client.getVersion()).toBe(1);
    expect(await client.getServerDefaults()).toEqual({ maxwaittime: 600, policy: 'LIFO' });
  });

  it('records a registration with the fields the agent sent, defaults from GetServerDefaults', async () => {
    await start();
    const registered = await registerEndpoint(client, request, log.logger);
    expect(registered).toEqual({
      endpointUrl: request.endpointUrl,
      policy: 'LIFO',
      defwaittime: 600,
      maxwaittime: 600,
    });
    expect(sim.api.state.current).toMatchObject({
      sliceUrn: sim.sliceUrn,
      url: request.endpointUrl,
      credentials: ['<credential/>'],
      policy: 'LIFO',
      defwaittime: 600,
      clientCertificate: null,
    });
    await client.removeSliceClientEndpoint({ sliceUrn: sim.sliceUrn, credentials: ['<credential/>'] });
    expect(sim.api.state.current).toBeNull();
  });

  it('refuses SetSliceClientEndpoint with defwaittime above maxwaittime, saying both', async () => {
    await start();
    const error = await failure(
      client.setSliceClientEndpoint({
        sliceUrn: sim.sliceUrn,
        url: request.endpointUrl,
        credentials: ['c'],
        policy: 'LIFO',
        defwaittime: 601,
      }),
    );
    expect(error).toBeInstanceOf(ClusterError);
    expect(error).toMatchObject({ code: 'CLUSTER_REFUSED', details: { protogeniCode: 1 } });
    expect(error?.message).toMatch(/601.*600/);
    expect(sim.api.state.registrations).toEqual([]);
  });

  it('a registration asking for more than maxwaittime fails before SetSliceClientEndpoint is sent', async () => {
    await start();
    const error = await failure(registerEndpoint(client, { ...request, defwaittime: 7200 }, log.logger));
    expect(error).toMatchObject({ code: 'DEFWAITTIME_ABOVE_MAX' });
    expect(error?.message).toMatch(/7200.*600/);
    expect(sim.api.calls.map((c) => c.method)).toEqual(['GetServerDefaults']);
  });

  it('refuses another slice and a call without credentials', async () => {
    await start();
    const base = { url: request.endpointUrl, policy: 'LIFO' as const, defwaittime: 60 };
    expect(
      await failure(
        client.setSliceClientEndpoint({ ...base, sliceUrn: 'urn:publicid:IDN+x+slice+other', credentials: ['c'] }),
      ),
    ).toMatchObject({ details: { protogeniCode: 12 } });
    expect(
      await failure(client.setSliceClientEndpoint({ ...base, sliceUrn: sim.sliceUrn, credentials: [] })),
    ).toMatchObject({ details: { protogeniCode: 1 } });
  });

  it('retries after BUSY and HTTP 503, a bounded number of times', async () => {
    await start(2);
    sim.api.failNext('busy', 1);
    sim.api.failNext('http-503', 1);
    expect(await client.getVersion()).toBe(1);
    expect(sim.api.calls.map((c) => c.refused ?? c.code)).toEqual(['busy', 'http-503', 0]);
    sim.api.failNext('busy', 3);
    expect(await failure(client.getVersion())).toMatchObject({ code: 'CLUSTER_BUSY' });
    expect(sim.api.calls).toHaveLength(6);
  });
});

describe('the registration client', () => {
  let silent: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve())));

  it('gives up on a server that never answers after its timeout', async () => {
    silent = createServer((socket) => socket.resume()); // reads the request, never answers
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const client = createClusterClient({
      url: `http://127.0.0.1:${port}/x`,
      timeoutMs: 200,
      retries: 3,
      retryDelayMs: 10,
      logger: captureLogger().logger,
    });
    const started = Date.now();
    expect(await failure(client.getVersion())).toMatchObject({ code: 'CLUSTER_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
