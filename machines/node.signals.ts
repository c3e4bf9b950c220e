import { enqueueActions } from 'xstate';
import type { NodeContext, NodeEvent, NodeSignal, ReleaseReason } from './node.types.js';

/** Which signal a state's entry announces; `reason` for `released` where the state knows it. */
export interface Announce {
  type: NodeSignal['type'];
  reason?: ReleaseReason;
}

function signalOf({ type, reason }: Announce, context: NodeContext, at: number): NodeSignal | null {
  switch (type) {
    case 'drainStarted':
      return { type, at, maxWaitTime: context.maxWaitTime };
    case 'drained':
      return { type, at };
    case 'failed':
      return context.failure === null ? null : { type, at, failure: context.failure };
    case 'forced':
      return { type, at, reason: context.forcedReason ?? 'deadline' };
    case 'released':
      // Released once an incarnation: a later released state (best effort, then forced) is not news.
      if (context.released) return null;
      return { type, at, reason: reason ?? context.forcedReason ?? 'deadline', deadline: context.deadline };
    case 'workLost':
      return context.workLost ? { type, at } : null;
  }
}

/**
 * The `announce` action: emits a state's signal with the time read from `now` (the agent's clock,
 * provided from src; the system clock by default). A node rebuilt after a restart enters its state
 * on the init event: that is not news, and nothing is emitted.
 */
export const announceWith = (now: () => number) =>
  enqueueActions<NodeContext, NodeEvent, Announce, NodeEvent, never, never, never, never, NodeSignal>(
    ({ context, event, enqueue }, params) => {
      if ((event as { type: string }).type === 'xstate.init') return;
      const signal = signalOf(params, context, now());
      if (signal !== null) enqueue.emit(signal);
    },
  );
