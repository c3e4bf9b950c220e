import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_HOPS, type CommandHop } from '../src/ssh/command-hops.js';
import { countdownBody, post, replyCode, valuesBody } from './bodies.js';
import { type LoopbackSshd, startLoopbackSshd } from './loopback-sshd.js';
import { runPdsh, stampTimes } from './pdsh.js';
import { startAgent } from './processes.js';

export type Contender = 'agent, connections held' | 'agent, connecting on demand' | 'pdsh -R ssh';

export interface FanoutTrial {
  nodes: number;
  contender: Contender;
  /** Call sent (pdsh: started) → last node verified (pdsh: exited). */
  makespanMs: number;
  /** Call sent → first command running on a node, read from the stamps the nodes wrote. */
  reactionMs: number;
  /** Call sent → each node's command running, median over the nodes. */
  nodeStartP50Ms: number;
  /** Agent only: call sent → first command sent over an SSH connection (the agent's own share of the reaction). */
  dispatchMs?: number;
  /**
   * Agent only: call sent → each hop of each node's first command (src/ssh/command-hops.ts), then
   * `command`, its first line running (the stamp): the first node's and the median node's.
   */
  hops?: Partial<Record<CommandHop | 'command', { first: number; p50: number }>>;
}

export interface FanoutOptions {
  sizes: number[];
  trials: number;
  /** Parallel connects for both: the agent's ssh.concurrency and pdsh's fanout (-f). */
  fanout: number;
}

/**
 * One OpenSSH sshd on loopback stands for every node. Each trial drains N nodes with one trivial
 * step (`date +%s%N > stamp`, verified with `test -s stamp`); pdsh runs the same on the same targets.
 */
export async function benchFanout(options: FanoutOptions): Promise<FanoutTrial[]> {
  const sshd = await startLoopbackSshd();
  const trials: FanoutTrial[] = [];
  try {
    const record = (trial: FanoutTrial): void => {
      trials.push(trial);
      const dispatch = trial.dispatchMs === undefined ? '' : `, first command sent ${trial.dispatchMs} ms`;
      console.info(
        `  ${trial.nodes} nodes, ${trial.contender}: makespan ${trial.makespanMs} ms, reaction ${trial.reactionMs} ms${dispatch}`,
      );
    };
    for (const nodes of options.sizes) {
      // Connecting on demand is shown once per size, for scale; the held connections and pdsh every trial.
      record(await agentTrial(nodes, false, sshd, options.fanout));
      for (let trial = 0; trial < options.trials; trial += 1) {
        record(await agentTrial(nodes, true, sshd, options.fanout));
        record(await pdshTrial(nodes, sshd, options.fanout));
      }
    }
  } finally {
    await sshd.stop();
  }
  return trials;
}

export async function agentTrial(
  nodes: number,
  preconnect: boolean,
  sshd: LoopbackSshd,
  fanout: number,
  compiled?: string,
): Promise<FanoutTrial> {
  const dir = mkdtempSync(join(sshd.workDir, 'agent-'));
  const agent = await startAgent(
    {
      nodes,
      runner: 'ssh',
      host: '127.0.0.1',
      port: sshd.port,
      logLevel: 'warn',
      reportDrains: true,
      preconnect: false,
      ssh: {
        user: sshd.user,
        privateKeyPath: sshd.privateKeyPath,
        knownHostsPath: sshd.knownHostsPath,
        concurrency: fanout,
      },
      steps: [
        {
          name: 'stamp',
          run: `date +%s%N > ${dir}/"$DYNSLICE_NODE_ID"`,
          verify: `test -s ${dir}/"$DYNSLICE_NODE_ID"`,
          verifyIntervalSeconds: 0,
        },
      ],
    },
    compiled,
  );
  try {
    if (preconnect) {
      agent.send({ type: 'preconnect' });
      const { connected } = await agent.next('preconnected', 600_000);
      if (connected !== nodes) throw new Error(`only ${connected} of ${nodes} connections opened`);
    }
    const drains = agent.next('drains', 600_000);
    drains.catch(() => undefined); // awaited below; a refused call must not leave it unhandled
    // As on CloudLab, the node values come before the countdown: the agent has served a call before.
    if (replyCode(await post(agent.port, valuesBody(nodes))) !== 0) throw new Error('SetResourceValues refused');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sent = Date.now();
    const reply = await post(agent.port, countdownBody(nodes));
    if (replyCode(reply) !== 0) throw new Error(`countdown refused: ${reply.slice(0, 300)}`);
    const { drainedAt: drained, commandAt: dispatched, hops: seen } = await drains;
    const starts = stampTimes(dir, nodes).map((at) => at - sent);
    const hops = hopTimes(seen, sent);
    hops.command = { first: Math.min(...starts), p50: median(starts) };
    return {
      nodes,
      contender: preconnect ? 'agent, connections held' : 'agent, connecting on demand',
      makespanMs: Math.max(...drained) - sent,
      reactionMs: Math.min(...starts),
      nodeStartP50Ms: median(starts),
      dispatchMs: Math.min(...dispatched) - sent,
      hops,
    };
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pdshTrial(nodes: number, sshd: LoopbackSshd, fanout: number): Promise<FanoutTrial> {
  const dir = mkdtempSync(join(sshd.workDir, 'pdsh-'));
  try {
    const { startedAt, endedAt } = await runPdsh({ ...sshd, nodes, fanout, dir });
    const starts = stampTimes(dir, nodes).map((at) => at - startedAt);
    return {
      nodes,
      contender: 'pdsh -R ssh',
      makespanMs: endedAt - startedAt,
      reactionMs: Math.min(...starts),
      nodeStartP50Ms: median(starts),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per hop, over each node's first command: the first node to reach it and the median node, from `sent`. */
function hopTimes(hops: ReadonlyArray<{ nodeId: string; hop: string; at: number }>, sent: number) {
  const firstOfNode = new Map<string, number>();
  const times: NonNullable<FanoutTrial['hops']> = {};
  for (const hop of COMMAND_HOPS) {
    firstOfNode.clear();
    for (const seen of hops)
      if (seen.hop === hop && !firstOfNode.has(seen.nodeId)) firstOfNode.set(seen.nodeId, seen.at);
    const at = [...firstOfNode.values()].map((time) => time - sent);
    if (at.length > 0) times[hop] = { first: Math.round(Math.min(...at)), p50: median(at) };
  }
  return times;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}
