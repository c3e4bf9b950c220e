import type { ClientEndpointHandlers, NodeEntry } from '../../src/protocol/client-methods.js';

export type HandlerName = keyof ClientEndpointHandlers;

export interface RecordedCall {
  handler: HandlerName;
  nodes: NodeEntry[];
}

/** A fake agent: records every call; answers, throws, or never settles as scripted. */
export class RecordingHandlers implements ClientEndpointHandlers {
  readonly calls: RecordedCall[] = [];
  /** Node ids notifyDeletePending reports as drained. */
  released = new Set<string>();
  behaviour: 'answer' | 'throw' | 'hang' = 'answer';

  setResourceValues(nodes: NodeEntry[]): Promise<void> {
    return this.record('setResourceValues', nodes, undefined);
  }

  notifyDeletePending(nodes: NodeEntry[]): Promise<Set<string>> {
    return this.record('notifyDeletePending', nodes, new Set(this.released));
  }

  notifyDeleteComplete(nodes: NodeEntry[]): Promise<void> {
    return this.record('notifyDeleteComplete', nodes, undefined);
  }

  private record<T>(handler: HandlerName, nodes: NodeEntry[], answer: T): Promise<T> {
    this.calls.push({ handler, nodes });
    if (this.behaviour === 'throw') return Promise.reject(new Error('handler exploded: secret detail'));
    if (this.behaviour === 'hang') return new Promise<T>(() => {});
    return Promise.resolve(answer);
  }
}
