import type { ClientEndpointHandlers, NodeEntry } from '../protocol/client-methods.js';
import type { Store } from './store.js';

/**
 * Journals every call and reply around the slice's handlers and, when the reply rests on node
 * states not yet on disk, waits for the disk before answering, so a reply the cluster saw is never
 * forgotten by a restarted agent.
 */
export class JournaledHandlers implements ClientEndpointHandlers {
  constructor(
    private readonly inner: ClientEndpointHandlers,
    private readonly store: Store,
  ) {}

  async setResourceValues(nodes: NodeEntry[]): Promise<void> {
    this.store.recordCall('SetResourceValues', nodes);
    const before = this.store.nodeChanges;
    await this.inner.setResourceValues(nodes);
    // Values alone change no state worth waiting for the disk; a prepare that started does.
    if (this.store.nodeChanges !== before) await this.store.flush();
    else this.store.flushSoon();
  }

  async notifyDeletePending(nodes: NodeEntry[]): Promise<Set<string>> {
    this.store.recordCall('NotifyDeletePending', nodes);
    const released = await this.inner.notifyDeletePending(nodes);
    this.store.recordReply('NotifyDeletePending', [...released]);
    await this.settle();
    return released;
  }

  async notifyDeleteComplete(nodes: NodeEntry[]): Promise<void> {
    this.store.recordCall('NotifyDeleteComplete', nodes);
    await this.inner.notifyDeleteComplete(nodes);
    await this.settle();
  }

  /**
   * A reply waits for the disk when it rests on node states not yet there. A repeated countdown
   * that changed nothing answers at once: a restarted agent would give the same reply, and its call
   * and reply records are written within FLUSH_SOON_MS, with the next ones (a failing disk fails
   * the next call that waits).
   */
  private async settle(): Promise<void> {
    if (!this.store.nodeStateDurable) return this.store.flush();
    this.store.flushSoon();
  }
}
