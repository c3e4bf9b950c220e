import { COMMAND_HOPS } from '../src/ssh/command-hops.js';
import { type FanoutTrial, median } from './fanout-bench.js';

const HOP_WORDS: Record<(typeof COMMAND_HOPS)[number] | 'command', string> = {
  handed: 'handed to its connection',
  slot: 'channel slot free, `timeout` known',
  exec: 'exec accepted (channel open, session forked)',
  wrapper: "wrapper's shell running (pid marker read)",
  ran: "command's shell running (ran marker read)",
  command: 'first line of the command running (its stamp)',
};

/**
 * Where the reaction time goes: for the agent with its connections held, call sent → each hop of
 * each node's first command, the first node and the median node, medians over the trials. The
 * markers are read by the agent, so they include the wait for its event loop; the stamp is the node's clock.
 */
export function hopTable(trials: readonly FanoutTrial[]): string[] {
  const held = trials.filter((t) => t.contender === 'agent, connections held' && t.hops);
  if (held.length === 0) return [];
  const sizes = [...new Set(held.map((t) => t.nodes))];
  const lines = [
    "Where the reaction goes: call sent → each hop of each node's first command (connections held; `src/ssh/command-hops.ts`), first node / median node, in ms, medians over the trials. The agent reads the markers when its event loop gets to them, so a marker can be read after the command it precedes has already stamped.",
    '',
    `| hop | ${sizes.map((size) => `${size} nodes`).join(' | ')} |`,
    `|---|${sizes.map(() => '---:').join('|')}|`,
  ];
  for (const hop of [...COMMAND_HOPS, 'command'] as const) {
    const cells = sizes.map((size) => {
      const seen = held.filter((t) => t.nodes === size).flatMap((t) => (t.hops?.[hop] ? [t.hops[hop]] : []));
      if (seen.length === 0) return '—';
      return `${Math.round(median(seen.map((s) => s.first)))} / ${Math.round(median(seen.map((s) => s.p50)))}`;
    });
    lines.push(`| ${HOP_WORDS[hop]} | ${cells.join(' | ')} |`);
  }
  return [...lines, ''];
}
