import type { NodeEvent } from '../../machines/node.types.js';

/**
 * Events held back so that a call which starts many drains answers first; they are delivered in
 * the order they came, a slice of the event loop at a time (I/O, timers and other calls run between
 * slices). Once a node has an event here, its later events queue behind it.
 */
export class DeferredEvents<Target> {
  private items: Array<{ target: Target; event: NodeEvent } | undefined> = [];
  private head = 0;
  private readonly pending = new Map<Target, number>();
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    private readonly deliver: (target: Target, event: NodeEvent) => void,
    /** Work per turn of the event loop before yielding. */
    private readonly sliceMs = 2,
  ) {}

  /** Whether the target has events waiting (its next events must wait too). */
  holds(target: Target): boolean {
    return this.pending.has(target);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  push(target: Target, event: NodeEvent): void {
    this.items.push({ target, event });
    this.pending.set(target, (this.pending.get(target) ?? 0) + 1);
    this.scheduled ??= setImmediate(this.run);
  }

  /** Delivers a target's waiting events at once, in order, ahead of the others' (which keep their order). */
  deliverNow(target: Target): void {
    if (!this.pending.delete(target)) return;
    for (let i = this.head; i < this.items.length; i += 1) {
      const item = this.items[i];
      if (item?.target !== target) continue;
      this.items[i] = undefined;
      this.deliver(item.target, item.event);
    }
  }

  /** Drops everything waiting (the slice is stopping). */
  clear(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.items = [];
    this.head = 0;
    this.pending.clear();
  }

  private readonly run = (): void => {
    this.scheduled = null;
    const until = performance.now() + this.sliceMs;
    while (this.head < this.items.length) {
      const item = this.items[this.head];
      this.items[this.head] = undefined;
      this.head += 1;
      // Delivered ahead of its turn (deliverNow).
      if (item === undefined) continue;
      const left = (this.pending.get(item.target) ?? 1) - 1;
      if (left === 0) this.pending.delete(item.target);
      else this.pending.set(item.target, left);
      this.deliver(item.target, item.event);
      if (performance.now() >= until) break;
    }
    if (this.head < this.items.length) this.scheduled = setImmediate(this.run);
    else {
      this.items = [];
      this.head = 0;
    }
  };
}
