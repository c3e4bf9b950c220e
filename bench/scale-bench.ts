import { countdownBody, post, replyCode } from './bodies.js';
import { median } from './fanout-bench.js';
import { type AgentProcess, startAgent } from './processes.js';

export interface ScaleResult {
  nodes: number;
  bodyBytes: number;
  /** createAgent with every node's actor started (the Store already open). */
  buildMs: number;
  rssAfterBuildMb: number;
  /** The same agent process with one node: what the runtime and the modules take before any slice. */
  rssOneNodeMb: number;
  /** The first countdown: it starts every node's drain (no-op SSH runner), most of them after its reply. */
  firstCallMs: number;
  /** 0, or 5 (SERVERERROR) when the handler deadline answered first. */
  firstCallCode: number;
  /** From the first call's reply until every node was given back (no-op SSH: the agent's own work per drain). */
  drainsSettledMs: number;
  /** Later countdowns, once the drains have settled: the median of three. */
  repeatCallMs: number;
  rssAfterCallsMb: number;
  heapAfterCallsMb: number;
  /** `idleSeconds` later, nothing asked of the agent meanwhile: what an operator's `ps` shows after a wave. */
  idleSeconds: number;
  rssAfterIdleMb: number;
  heapAfterIdleMb: number;
}

const MB = 1024 * 1024;

/** One slice of `nodes` nodes; the body and node-count limits are raised for this run only. */
export async function benchScale(nodes: number, compiled?: string, idleSeconds = 60): Promise<ScaleResult> {
  const baseline = await startAgent({ nodes: 1, runner: 'noop' }, compiled);
  const rssOneNodeMb = baseline.ready.rssBytes / MB;
  await baseline.stop();
  const body = countdownBody(nodes);
  const agent = await startAgent(
    {
      nodes,
      runner: 'noop',
      maxBodyBytes: Math.max(1024 * 1024, 2 * Buffer.byteLength(body)),
      maxNodesPerCall: 2 * nodes,
    },
    compiled,
  );
  try {
    const timed = async (): Promise<{ ms: number; code: number }> => {
      const started = performance.now();
      const reply = await post(agent.port, body);
      return { ms: performance.now() - started, code: replyCode(reply) };
    };
    // The first call starts a few drains before it answers and the rest right after (slice.ts).
    const first = await timed();
    const settledIn = await untilReleased(agent, nodes, 300_000);
    const repeats = [await timed(), await timed(), await timed()];
    const refused = repeats.find((repeat) => repeat.code !== 0);
    if (refused) throw new Error(`a repeated countdown was answered with code ${refused.code}`);
    agent.send({ type: 'memory' });
    const memory = await agent.next('memory');
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    agent.send({ type: 'memory' });
    const idle = await agent.next('memory');
    return {
      nodes,
      bodyBytes: Buffer.byteLength(body),
      buildMs: agent.ready.buildMs,
      rssAfterBuildMb: agent.ready.rssBytes / MB,
      rssOneNodeMb,
      firstCallMs: first.ms,
      firstCallCode: first.code,
      drainsSettledMs: settledIn,
      repeatCallMs: median(repeats.map((repeat) => repeat.ms)),
      rssAfterCallsMb: memory.rssBytes / MB,
      heapAfterCallsMb: memory.heapBytes / MB,
      idleSeconds,
      rssAfterIdleMb: idle.rssBytes / MB,
      heapAfterIdleMb: idle.heapBytes / MB,
    };
  } finally {
    await agent.stop();
  }
}

/** Polls the agent until `nodes` nodes are given back; resolves with the time it took. */
export async function untilReleased(agent: AgentProcess, nodes: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    agent.send({ type: 'released' });
    const { released } = await agent.next('released');
    if (released >= nodes) return performance.now() - started;
    if (performance.now() - started > timeoutMs)
      throw new Error(`only ${released} of ${nodes} nodes given back after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
