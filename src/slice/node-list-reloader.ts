import type { Logger } from 'pino';
import type { ListedNode } from '../node-list/listed-node.js';
import type { ManifestNodeList } from '../node-list/manifest-nodes.js';
import type { NodeListChange } from './node-list.js';

export type ReloadReason = 'start' | 'signal' | 'timer' | 'unknown-node';

export interface NodeListReloaderDeps {
  source: { label: string; reloadSeconds: number | null; read(): Promise<ManifestNodeList> };
  apply(nodes: readonly ListedNode[]): NodeListChange;
  /** After every read that succeeded and was applied. */
  onRead?: () => void;
  logger: Logger;
  /** Least time between the starts of two reads that calls asked for (default 5 s): calls come from the network. */
  callSpacingMs?: number;
}

/** Node ids a log line names at most. */
const SAMPLE = 20;
const sample = (ids: readonly string[]) => ids.slice(0, SAMPLE);

/**
 * Re-reads the node list (a manifest) and applies it to the slice: on SIGHUP, every reloadSeconds,
 * and when a call names a node the agent does not know. One read at a time: asking during a read
 * queues one more read after it, shared by everyone who asks meanwhile. A read that fails leaves
 * the node list as it is, with a warning.
 */
export class NodeListReloader {
  private running: Promise<boolean> | null = null;
  private queued: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private lastStart = Number.NEGATIVE_INFINITY;
  private lastReport = '';
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly deps: NodeListReloaderDeps) {
    this.log = deps.logger.child({ component: 'nodes', source: deps.source.label });
  }

  /**
   * A read that starts now, or right after the one under way; resolves true once its list is
   * applied, false when it failed (never rejects).
   */
  reload(reason: ReloadReason): Promise<boolean> {
    if (this.running === null) {
      const run = this.run(reason).finally(() => {
        if (this.running === run) this.running = null;
      });
      this.running = run;
      return run;
    }
    return (this.queued ??= this.running.then(() => {
      this.queued = null;
      return this.reload(reason);
    }));
  }

  /** Re-reads every reloadSeconds from now on (when the source has them). */
  startTimer(): void {
    const seconds = this.deps.source.reloadSeconds;
    if (seconds === null || seconds <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.reload('timer'), seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async run(reason: ReloadReason): Promise<boolean> {
    if (reason === 'unknown-node') {
      const wait = this.lastStart + (this.deps.callSpacingMs ?? 5_000) - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
    }
    this.lastStart = Date.now();
    let read: ManifestNodeList;
    try {
      read = await this.deps.source.read();
    } catch (error) {
      this.log.warn(
        { reason, err: error instanceof Error ? error.message : String(error) },
        'node list re-read failed: the node list is unchanged',
      );
      return false;
    }
    if (this.stopped) return false;
    const change = this.deps.apply(read.nodes);
    this.noteRead(reason, read, change);
    this.deps.onRead?.();
    return true;
  }

  /** Logs what a read found and changed; the same skipped or excluded nodes again are not repeated. */
  noteRead(reason: ReloadReason, read: ManifestNodeList, change: NodeListChange): void {
    const { added, removed, moved, busy } = change;
    if (added.length + removed.length + moved.length > 0 || reason !== 'timer') {
      this.log.info(
        {
          reason,
          nodes: read.nodes.length,
          added: sample(added),
          removed: sample(removed),
          moved: sample(moved),
          counts: { added: added.length, removed: removed.length, moved: moved.length },
        },
        'node list read',
      );
    }
    if (busy.length > 0)
      this.log.info(
        { nodeIds: sample(busy), count: busy.length },
        'nodes left the node list or moved while busy: kept as they are',
      );
    const report = JSON.stringify([read.skipped, read.excluded]);
    if (report === this.lastReport) return;
    this.lastReport = report;
    for (const skipped of read.skipped) this.log.warn(skipped, 'manifest node skipped');
    if (read.excluded.length > 0) this.log.info({ excluded: read.excluded }, 'manifest nodes excluded');
  }
}
