import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import type { NodeView } from '../observe/node-view.js';
import { watchFrame } from '../observe/watch-table.js';
import { CliExit, EXIT } from './exit-codes.js';
import { statusRequest } from './status-request.js';

// A stream that ends (agent restarting) is opened again, this many times in a row at most.
const RECONNECTS = 30;
const RECONNECT_MS = 2_000;
const CLEAR = '\x1b[H\x1b[J';

export interface WatchOptions {
  base: string;
  token: string | undefined;
  out: NodeJS.WritableStream;
  /** A terminal: redraw in place every second. Otherwise one plain frame per change. */
  tty: boolean;
  /** Colours (on a terminal, unless NO_COLOR is set). */
  color: boolean;
  signal: AbortSignal;
}

interface Frame {
  now: number;
}

/** Reads one connection of the event stream until it ends; calls `onNodes` with every update. */
async function follow(
  options: WatchOptions,
  onNodes: (nodes: NodeView[] | null, node: NodeView | null, now: number) => void,
): Promise<void> {
  const response = await statusRequest(options.base, '/api/events', options.token, options.signal);
  const parser = createParser({
    onEvent(message) {
      // Bad frames are skipped: the next `node` or `nodes` brings the view back.
      try {
        if (message.event === 'nodes') {
          const data = JSON.parse(message.data) as Frame & { nodes: NodeView[] };
          onNodes(data.nodes, null, data.now);
        } else if (message.event === 'node') {
          const data = JSON.parse(message.data) as Frame & { node: NodeView };
          onNodes(null, data.node, data.now);
        }
      } catch {
        // ignored
      }
    },
  });
  const decoder = new TextDecoder();
  if (!response.body) return;
  for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
}

/** `status --watch`: the node table kept current from the event stream, until interrupted. */
export async function watchStatus(options: WatchOptions): Promise<void> {
  const nodes = new Map<string, NodeView>();
  let clockOffset = 0;
  let pending: NodeJS.Immediate | null = null;
  let last = '';
  const draw = (): void => {
    pending = null;
    const frame = watchFrame([...nodes.values()], Date.now() + clockOffset, options.color);
    if (options.tty) options.out.write(`${CLEAR}${frame}`);
    else if (frame !== last) options.out.write(`${frame}\n`);
    last = frame;
  };
  const onNodes = (all: NodeView[] | null, one: NodeView | null, now: number): void => {
    clockOffset = now - Date.now();
    if (all) {
      nodes.clear();
      for (const node of all) nodes.set(node.nodeId, node);
    }
    if (one) nodes.set(one.nodeId, one);
    // A batch of updates is drawn once.
    pending ??= setImmediate(draw);
  };
  const ticker = options.tty ? setInterval(draw, 1000) : null;
  let connected = false;
  try {
    for (let failures = 0; ; failures += 1) {
      try {
        await follow(options, (all, one, now) => {
          connected = true;
          failures = 0;
          onNodes(all, one, now);
        });
      } catch (error) {
        // The first connection's failure is the command's; a later one is the agent going away.
        if (!connected && !options.signal.aborted) throw error;
      }
      if (options.signal.aborted) return;
      if (failures >= RECONNECTS) throw new CliExit(EXIT.failure, `lost the status server at ${options.base}`);
      options.out.write(
        options.tty ? `${CLEAR}${last}\nstream ended: reconnecting…\n` : 'stream ended: reconnecting\n',
      );
      const retry = await sleep(RECONNECT_MS, true, { signal: options.signal }).catch(() => false);
      if (!retry) return;
    }
  } finally {
    if (ticker) clearInterval(ticker);
    if (pending) clearImmediate(pending);
  }
}
