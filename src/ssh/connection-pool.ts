import type { Logger } from 'pino';
import { raceAbort } from './bounded-wait.js';
import { type ConnectionDeps, NodeConnection, targetKeyOf } from './node-connection.js';
import type { SshTarget } from './runner-types.js';

/**
 * Each node's connection, opened on first use; its whole life (kept open or not, closing, ended) is
 * its chart's (machines/ssh-connection.machine.ts), read here, never kept beside it. A connection
 * that ended leaves the pool, unless it was still to be kept open (it ended unreachable): the node's
 * next connection then starts kept. A node whose connection is closing gets no new one until it has
 * closed (its commands are being stopped on the node).
 */
export class ConnectionPool {
  private readonly pool = new Map<string, NodeConnection>();
  private readonly deps: ConnectionDeps;
  connects = 0;

  constructor(
    deps: Omit<ConnectionDeps, 'onConnected'>,
    private readonly logger: Logger,
  ) {
    this.deps = { ...deps, onConnected: () => (this.connects += 1) };
  }

  /**
   * The node's connection, once any earlier one of it has finished closing; undefined if `signal`
   * fires first. `keep`: the connection is to be kept open (reopened when it drops).
   */
  async open(target: SshTarget, signal?: AbortSignal, keep = false): Promise<NodeConnection | undefined> {
    for (let current = this.pool.get(target.nodeId); current?.isClosing; current = this.pool.get(target.nodeId)) {
      if ((await raceAbort(current.ended(), signal)) === 'aborted') return undefined;
    }
    return this.connection(target, keep);
  }

  stopKeeping(nodeId: string): void {
    const connection = this.pool.get(nodeId);
    if (connection?.hasEnded) this.pool.delete(nodeId);
    else connection?.actor.send({ type: 'STOP_KEEPING' });
  }

  /** Closes the node's connection once its commands are stopped (no longer kept); the node gets no new one until then. */
  retire(nodeId: string, reason: string): Promise<void> {
    const connection = this.pool.get(nodeId);
    if (connection === undefined) return Promise.resolve();
    if (connection.hasEnded) {
      this.pool.delete(nodeId);
      return Promise.resolve();
    }
    connection.actor.send({ type: 'CLOSE', reason });
    return connection.ended().catch(() => undefined);
  }

  async retireAll(reason: string): Promise<void> {
    await Promise.all([...this.pool.keys()].map((nodeId) => this.retire(nodeId, reason)));
  }

  get openCount(): number {
    return [...this.pool.values()].filter((c) => c.isOpen).length;
  }

  private connection(target: SshTarget, keep: boolean): NodeConnection {
    const current = this.pool.get(target.nodeId);
    if (current && !current.hasEnded && current.targetKey === targetKeyOf(target)) {
      if (keep) current.actor.send({ type: 'KEEP_OPEN' });
      current.actor.send({ type: 'CONNECT' });
      return current;
    }
    const keptOpen = keep || current?.keptOpen === true;
    if (current && !current.hasEnded) {
      current.actor.send({ type: 'CLOSE', reason: 'node moved to another address' });
    }
    const fresh = new NodeConnection(target, this.deps, this.logger, keptOpen);
    this.pool.set(target.nodeId, fresh);
    fresh.actor.subscribe({
      complete: () => {
        // Ended: the node's next command opens a new connection; one still kept open is remembered until then.
        if (this.pool.get(target.nodeId) === fresh && !fresh.keptOpen) this.pool.delete(target.nodeId);
      },
    });
    fresh.actor.start();
    return fresh;
  }
}
