import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { NodeUpdate, Observer } from './observer.js';

// A client that has not taken the previous batches is dropped rather than buffered without end.
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;
// Bursts (a countdown naming thousands of nodes) go out as one batch per node.
const BATCH_MS = 100;

/**
 * Server-Sent Events: `nodes` (all, with timelines) on connect; then, in batches, `state` for every
 * state change and `node` (the node as it is now, with its timeline) for every node that changed.
 */
export class EventStreams {
  private readonly clients = new Set<ServerResponse>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private frames: string[] = [];
  private readonly dirty = new Set<string>();
  private batch: NodeJS.Timeout | null = null;

  constructor(
    private readonly observer: Observer,
    private readonly logger: Logger,
    private readonly maxClients = 64,
  ) {
    this.unsubscribe = observer.subscribe((update) => this.queue(update));
    this.heartbeat = setInterval(() => this.send(': keep-alive\n\n'), HEARTBEAT_MS).unref();
  }

  /** Answers one GET /api/events; false when too many clients are connected. */
  open(res: ServerResponse): boolean {
    if (this.clients.size >= this.maxClients) return false;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    res.write(
      `retry: 2000\n${frame('nodes', { now: this.observer.now(), nodes: this.observer.nodes({ withTimeline: true }) })}`,
    );
    return true;
  }

  close(): void {
    clearInterval(this.heartbeat);
    if (this.batch) clearTimeout(this.batch);
    this.unsubscribe();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private queue(update: NodeUpdate): void {
    if (this.clients.size === 0) return;
    if (update.type === 'state') {
      const { nodeId, from, to, entries } = update;
      this.frames.push(frame('state', { nodeId, from, to, at: entries[0]?.at ?? this.observer.now(), entries }));
    }
    this.dirty.add(update.nodeId);
    this.batch ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    this.batch = null;
    const now = this.observer.now();
    const frames = this.frames;
    this.frames = [];
    for (const nodeId of this.dirty) {
      const node = this.observer.view(nodeId, true);
      if (node) frames.push(frame('node', { now, node }));
    }
    this.dirty.clear();
    this.send(frames.join(''));
  }

  private send(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BACKLOG_BYTES) {
        this.logger.warn({ backlog: res.writableLength }, 'event stream client too slow: dropped');
        res.destroy();
        this.clients.delete(res);
        continue;
      }
      res.write(text);
    }
  }
}

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
