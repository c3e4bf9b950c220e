import type { ClientEndpointHandlers, NodeEntry } from '../protocol/client-methods.js';
import type { Store } from './store.js';

/**
 * Journals every call and reply around the slice's handlers and waits for the disk before
 * answering, so a reply the cluster saw is never forgotten by a restarted agent.
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
    // Values alone change no state worth a disk flush; a prepare that started does.
    if (this.store.nodeChanges !== before) await this.store.flush();
  }

  async notifyDeletePending(nodes: NodeEntry[]): Promise<Set<string>> {
    this.store.recordCall('NotifyDeletePending', nodes);
    const released = await this.inner.notifyDeletePending(nodes);
    this.store.recordReply('NotifyDeletePending', [...released]);
    await this.store.flush();
    return released;
  }

  async notifyDeleteComplete(nodes: NodeEntry[]): Promise<void> {
    this.store.recordCall('NotifyDeleteComplete', nodes);
    await this.inner.notifyDeleteComplete(nodes);
    await this.store.flush();
  }
}
