import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countdownBody, post, replyCode } from './bodies.js';
import { median } from './fanout-bench.js';
import { type AgentProcess, startAgent } from './processes.js';
import { untilReleased } from './scale-bench.js';

export interface RestartTrial {
  /** Process start (fork) → listening, and → the first countdown answered. */
  listenMs: number;
  answerMs: number;
  rssAfterMb: number;
  heapAfterMb: number;
}

export interface RestartResult {
  nodes: number;
  /** Repeated countdowns the long wave sent before the kill (each a little nearer its deadline). */
  repeats: number;
  stateBytes: number;
  restart: RestartTrial[];
  fresh: RestartTrial[];
}

const MB = 1024 * 1024;

/**
 * One agent of `nodes` nodes through a long wave: the first countdown drains every node, then
 * `repeats` countdowns back to back (a day of one a minute is 1,440; sent as fast as it answers,
 * the hammering case too), then `kill -9`. Then, alternating, that state directory restarted and an
 * empty one started: process start → listening → the same countdown answered, and the memory after it.
 */
export async function benchRestart(
  nodes: number,
  repeats: number,
  trials: number,
  compiled?: string,
): Promise<RestartResult> {
  const stateDir = mkdtempSync(join(tmpdir(), 'dynslice-bench-restart-'));
  const options = { nodes, runner: 'noop' as const, maxBodyBytes: 8 * MB, maxNodesPerCall: 2 * nodes };
  try {
    const wave = await startAgent({ ...options, stateDir }, compiled);
    await answered(wave, countdownBody(nodes, 3600));
    await untilReleased(wave, nodes, 300_000);
    for (let i = 1; i <= repeats; i += 1) await answered(wave, countdownBody(nodes, Math.max(60, 3600 - 60 * i)));
    await wave.kill();
    const stateBytes = directoryBytes(stateDir);
    const restart: RestartTrial[] = [];
    const fresh: RestartTrial[] = [];
    for (let trial = 0; trial < trials; trial += 1) {
      const order = trial % 2 === 0 ? (['restart', 'fresh'] as const) : (['fresh', 'restart'] as const);
      for (const side of order) {
        const dir = side === 'restart' ? stateDir : mkdtempSync(join(tmpdir(), 'dynslice-bench-fresh-'));
        try {
          (side === 'restart' ? restart : fresh).push(
            await startAndAnswer({ ...options, stateDir: dir }, nodes, compiled),
          );
        } finally {
          if (side === 'fresh') rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    return { nodes, repeats, stateBytes, restart, fresh };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function startAndAnswer(
  options: Parameters<typeof startAgent>[0],
  nodes: number,
  compiled: string | undefined,
): Promise<RestartTrial> {
  const started = performance.now();
  const agent = await startAgent(options, compiled);
  const listenMs = performance.now() - started;
  try {
    await answered(agent, countdownBody(nodes, 600));
    const answerMs = performance.now() - started;
    agent.send({ type: 'memory' });
    const memory = await agent.next('memory');
    return { listenMs, answerMs, rssAfterMb: memory.rssBytes / MB, heapAfterMb: memory.heapBytes / MB };
  } finally {
    await agent.kill();
  }
}

async function answered(agent: AgentProcess, body: string): Promise<void> {
  const reply = await post(agent.port, body);
  if (replyCode(reply) !== 0) throw new Error(`countdown refused: ${reply.slice(0, 300)}`);
}

function directoryBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

/** Medians of each side and the ratio restart ÷ fresh. */
export function restartSummary(result: RestartResult) {
  const of = (trials: RestartTrial[], key: keyof RestartTrial) => median(trials.map((t) => t[key]));
  return {
    restartAnswerMs: of(result.restart, 'answerMs'),
    freshAnswerMs: of(result.fresh, 'answerMs'),
    restartListenMs: of(result.restart, 'listenMs'),
    freshListenMs: of(result.fresh, 'listenMs'),
    ratio: of(result.restart, 'answerMs') / of(result.fresh, 'answerMs'),
    rssAfterRestartMb: of(result.restart, 'rssAfterMb'),
    rssAfterFreshMb: of(result.fresh, 'rssAfterMb'),
    heapAfterRestartMb: of(result.restart, 'heapAfterMb'),
  };
}
