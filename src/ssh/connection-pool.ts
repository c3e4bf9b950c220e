import type { Logger } from 'pino';
import { raceAbort } from './bounded-wait.js';
import { type ConnectionDeps, NodeConnection, targetKeyOf } from './node-connection.js';
import type { SshTarget } from './runner-types.js';

/**
 * Each node's connection, opened on first use. A connection that ends (unreachable, closed) leaves
 * the pool; the node's next command opens a new one. Kept nodes are reopened when they drop.
 */
export class ConnectionPool {
  private readonly pool = new Map<string, NodeConnection>();
  /** Nodes to keep connected: a dropped connection is reopened after a while (once per drop). */
  private readonly kept = new Set<string>();
  /** Connections of released nodes whose commands are being stopped; the node gets no new one meanwhile. */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly deps: ConnectionDeps;
  connects = 0;

  constructor(
    deps: Omit<ConnectionDeps, 'keptOpen' | 'onConnected'>,
    private readonly logger: Logger,
  ) {
    this.deps = { ...deps, keptOpen: (nodeId) => this.kept.has(nodeId), onConnected: () => (this.connects += 1) };
  }

  /** The node's connection, once any earlier one of it has finished closing; undefined if `signal` fires first. */
  async open(target: SshTarget, signal?: AbortSignal): Promise<NodeConnection | undefined> {
    for (let previous = this.closing.get(target.nodeId); previous; previous = this.closing.get(target.nodeId)) {
      if ((await raceAbort(previous, signal)) === 'aborted') return undefined;
    }
    return this.connection(target);
  }

  keepOpen(nodeId: string): void {
    this.kept.add(nodeId);
  }

  stopKeeping(nodeId: string): void {
    this.kept.delete(nodeId);
  }

  /** Closes the node's connection once its commands are stopped; the node gets no new connection until then. */
  retire(nodeId: string, reason: string): Promise<void> {
    const connection = this.pool.get(nodeId);
    if (!connection) return this.closing.get(nodeId) ?? Promise.resolve();
    const done = this.close(connection, reason);
    this.closing.set(nodeId, done);
    void done.finally(() => this.closing.get(nodeId) === done && this.closing.delete(nodeId));
    return done;
  }

  async retireAll(reason: string): Promise<void> {
    this.kept.clear();
    const retiring = [...this.pool.keys()].map((nodeId) => this.retire(nodeId, reason));
    await Promise.all([...retiring, ...this.closing.values()]);
  }

  get openCount(): number {
    return [...this.pool.values()].filter((c) => c.state === 'open').length;
  }

  private connection(target: SshTarget): NodeConnection {
    const current = this.pool.get(target.nodeId);
    if (current && current.targetKey === targetKeyOf(target)) {
      current.actor.send({ type: 'CONNECT' });
      return current;
    }
    if (current) void this.close(current, 'node moved to another address');
    const fresh = new NodeConnection(target, this.deps, this.logger);
    this.pool.set(target.nodeId, fresh);
    fresh.actor.subscribe({
      complete: () => {
        if (this.pool.get(target.nodeId) === fresh) this.pool.delete(target.nodeId);
        // A reopen that failed: the node is no longer kept open.
        const reopenFailed = fresh.actor.getSnapshot().output?.rewarming === true && fresh.state === 'unreachable';
        if (reopenFailed) this.kept.delete(target.nodeId);
      },
    });
    fresh.actor.start();
    return fresh;
  }

  private async close(connection: NodeConnection, reason: string): Promise<void> {
    if (this.pool.get(connection.target.nodeId) === connection) this.pool.delete(connection.target.nodeId);
    connection.actor.send({ type: 'CLOSE', reason });
    await connection.ended().catch(() => undefined);
  }
}
