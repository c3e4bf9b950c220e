import { describe, expect, it } from 'vitest';
import type { SliceNode } from '../../src/slice/slice.js';
import { startGuardedAgent } from '../endpoint/guarded-agent.js';
import { Prng } from '../helpers/prng.js';
import { perlMethodCall } from '../helpers/xmlrpc-perl-style.js';
import { postXml } from '../helpers/xmlrpc-raw-http.js';
import { type FuzzContext, type FuzzRequest, generateRequest, type Mutation } from './mutations.js';
import { exchange } from './raw-exchange.js';

// FUZZ_REQUESTS=50000 FUZZ_SEED=123 npx vitest run test/fuzz/fuzz-campaign.test.ts replays or widens a campaign.
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_107);
const SIDE_CONCURRENCY = 12;
const GUARD_MS = 15_000;
/** What counts as an answer: a ProtoGENI reply, an XML-RPC fault, or an HTTP refusal. */
const ANSWERED = /^(reply-\d+|fault|400|403|405|408|413|431|503|505)$/;
const MAX_HEAP_GROWTH_BYTES = 200 * 1024 * 1024;
/** Low, so that calls over the cap stay cheap to build and refuse. */
const MAX_NODES = 50;

interface Violation {
  index: number;
  mutation: Mutation;
  kind: string;
  problem: string;
}

/** The machines' state and context, for the nodes given (a deleted node stays in the fingerprint). */
const fingerprint = (nodes: readonly SliceNode[]): string =>
  JSON.stringify(
    nodes.map((node) => {
      const snapshot = node.ensureStarted().getSnapshot();
      return [node.nodeId, snapshot.status, snapshot.value, snapshot.context];
    }),
  );

describe('fuzz campaign against the running agent', () => {
  it(`answers ${REQUESTS} mutated requests (seed ${SEED}) without crashing, and no refused call or unread entry changes a node`, async () => {
    const prng = new Prng(SEED);
    const token = prng.bytes(32).toString('base64url');
    const guarded = await startGuardedAgent(
      { token, maxNodesPerCall: MAX_NODES, headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 },
      { logLevel: 'warn' },
    );
    const { slice } = guarded.agent;
    let freshNodes = 0;
    let live: SliceNode[] = slice.list();
    // Accepted NotifyDeleteComplete calls end machines for good: keep three running so later checks mean something.
    const replenish = (): void => {
      live = live.filter((node) => node.ensureStarted().getSnapshot().status === 'active');
      while (live.length < 3) {
        const nodeId = `fz${(freshNodes += 1)}`;
        live.push(
          slice.addNode({ nodeId, clientId: null, target: { nodeId, host: `${nodeId}.test`, port: 22, user: 'root' } }),
        );
      }
    };
    const ctx: FuzzContext = {
      prng,
      liveNodes: [],
      maxNodesPerCall: MAX_NODES,
      maxBodyBytes: 1024 * 1024,
      tokenPath: new URL(guarded.url).pathname,
    };
    const kinds: Record<string, number> = {};
    const byMutation: Partial<Record<Mutation, Record<string, number>>> = {};
    const violations: Violation[] = [];
    const record = (index: number, request: FuzzRequest, kind: string): void => {
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      const counts = (byMutation[request.mutation] ??= {});
      counts[kind] = (counts[kind] ?? 0) + 1;
      if (!ANSWERED.test(kind)) violations.push({ index, mutation: request.mutation, kind, problem: 'not answered' });
      else if (request.expect !== null && !request.expect.includes(kind)) {
        violations.push({ index, mutation: request.mutation, kind, problem: `expected ${request.expect.join('|')}` });
      }
    };

    const side: Array<{ index: number; request: FuzzRequest }> = [];
    let sideCount = 0;
    let mainDone = false;
    const sideWorker = async (): Promise<void> => {
      while (!mainDone || side.length > 0) {
        const next = side.shift();
        if (next === undefined) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        record(next.index, next.request, (await exchange(guarded.port, next.request, GUARD_MS)).kind);
      }
    };
    const sideWorkers = Array.from({ length: SIDE_CONCURRENCY }, sideWorker);

    const memoryBefore = process.memoryUsage();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let index = 0; index < REQUESTS; index += 1) {
      replenish();
      const nodes = live;
      ctx.liveNodes = nodes.map((node) => node.nodeId);
      const request = generateRequest(ctx);
      if (request.side) {
        side.push({ index, request });
        sideCount += 1;
        continue;
      }
      const before = fingerprint(nodes);
      const untouched = nodes.filter((node) => request.untouched?.includes(node.nodeId));
      const untouchedBefore = fingerprint(untouched);
      const { kind } = await exchange(guarded.port, request, GUARD_MS);
      record(index, request, kind);
      if (kind !== 'reply-0' && fingerprint(nodes) !== before) {
        violations.push({ index, mutation: request.mutation, kind, problem: 'a refused request changed a node' });
      }
      // A countdown is read entry by entry: an entry that could not be read is answered without its node.
      if (fingerprint(untouched) !== untouchedBefore) {
        violations.push({ index, mutation: request.mutation, kind, problem: 'an entry not applied changed its node' });
      }
    }
    mainDone = true;
    await Promise.all(sideWorkers);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    (globalThis as { gc?: () => void }).gc?.();
    const memoryAfter = process.memoryUsage();

    const stillServing = await postXml(guarded.port, perlMethodCall('GetVersion', []), { path: ctx.tokenPath });
    const errorLines = guarded.lines.filter((line) => line.level >= 50);
    await guarded.close();

    const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
    console.info(
      `fuzz campaign: seed ${SEED}, ${REQUESTS} requests in ${seconds.toFixed(1)} s ` +
        `(${Math.round(REQUESTS / seconds)}/s; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, agent and callers in one process), ` +
        `${sideCount} of them beside the sequence, ${freshNodes} nodes replaced after accepted deletes\n` +
        `  answers: ${JSON.stringify(Object.fromEntries(Object.entries(kinds).sort(([, a], [, b]) => b - a)))}\n` +
        `  by mutation: ${JSON.stringify(byMutation)}\n` +
        `  heap ${mib(memoryBefore.heapUsed)} → ${mib(memoryAfter.heapUsed)} MiB, rss ${mib(memoryBefore.rss)} → ${mib(memoryAfter.rss)} MiB`,
    );
    expect(violations.slice(0, 20)).toEqual([]);
    expect(errorLines).toEqual([]);
    expect(stillServing.body).toContain('<string>1.0</string>');
    expect(memoryAfter.heapUsed - memoryBefore.heapUsed).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
    expect(Object.values(kinds).reduce((sum, n) => sum + n, 0)).toBe(REQUESTS);
  }, 300_000);
});
