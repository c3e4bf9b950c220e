import { HANDLER_TIMEOUT_OUTPUT } from '../protocol/client-endpoint.js';
import type { CallContext, ClientEndpointHandlers, NodeEntry } from '../protocol/client-methods.js';
import { ProtocolError } from '../protocol/codes.js';
import type { Store } from './store.js';

/**
 * Journals every call and reply around the slice's handlers and, when the reply rests on node
 * states not yet on disk, waits for the disk before answering, so a reply the cluster saw is never
 * forgotten by a restarted agent.
 *
 * The rule for reply records: a reply's record is appended only once the node states it rests on
 * are on disk, that is once the reply is sure to leave as it is; when the disk fails instead, the
 * cluster gets SERVERERROR and the record says so. So `history` never shows as released a reply the
 * cluster did not get. A reply record is written within FLUSH_SOON_MS after the reply: a crash in
 * between loses that record, never the node states the reply rested on. A handler that finished
 * after the endpoint gave up on it (the call's signal) records that answer, SERVERERROR, instead.
 */
export class JournaledHandlers implements ClientEndpointHandlers {
  constructor(
    private readonly inner: ClientEndpointHandlers,
    private readonly store: Store,
  ) {}

  async setResourceValues(nodes: NodeEntry[], call?: CallContext): Promise<void> {
    const before = this.store.nodeChanges;
    try {
      await this.inner.setResourceValues(nodes, call);
    } catch (error) {
      // Refused whole, nothing of it applied: journaled as refused, so a restart applies none of it either.
      if (error instanceof ProtocolError) this.store.recordCall('SetResourceValues', nodes, error.message);
      throw error;
    }
    // Recorded once applied (the values a restart replays are those of calls that were applied).
    this.store.recordCall('SetResourceValues', nodes);
    // Values alone change no state worth waiting for the disk; a prepare that started does.
    await this.settle('SetResourceValues', this.store.nodeChanges !== before);
  }

  async notifyDeletePending(nodes: NodeEntry[], call?: CallContext): Promise<Set<string>> {
    this.store.recordCall('NotifyDeletePending', nodes);
    const released = await this.inner.notifyDeletePending(nodes, call);
    await this.settle('NotifyDeletePending', !this.store.nodeStateDurable);
    if (call?.signal.aborted) this.store.recordReply('NotifyDeletePending', [], HANDLER_TIMEOUT_OUTPUT);
    else this.store.recordReply('NotifyDeletePending', [...released]);
    this.store.flushSoon();
    return released;
  }

  async notifyDeleteComplete(nodes: NodeEntry[], call?: CallContext): Promise<void> {
    this.store.recordCall('NotifyDeleteComplete', nodes);
    await this.inner.notifyDeleteComplete(nodes, call);
    await this.settle('NotifyDeleteComplete', !this.store.nodeStateDurable);
  }

  /**
   * Waits for the disk when the reply rests on node states not yet there. A call that changed
   * nothing (a repeated countdown) answers at once: a restarted agent would give the same reply,
   * and its records are written within FLUSH_SOON_MS, with the next ones.
   */
  private async settle(method: string, mustWait: boolean): Promise<void> {
    if (!mustWait) return this.store.flushSoon();
    try {
      await this.store.flush();
    } catch (error) {
      this.store.recordReply(method, [], (error as Error).message);
      throw error;
    }
  }
}
