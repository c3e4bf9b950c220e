/** The facts of one transition that its label is made of. */
export interface LabelParts {
  /** xstate's event descriptor: `DELETE_PENDING`, `xstate.done.actor.drain`, `''` for `always`. */
  eventType: string;
  /** The source state node's id (xstate puts it at the end of `after` event names). */
  sourceId: string;
  guard: string | null;
  /** True when an earlier transition for the same event had a guard. */
  isElse: boolean;
}

const AFTER = 'xstate.after.';
const DONE_ACTOR = 'xstate.done.actor.';
const ERROR_ACTOR = 'xstate.error.actor.';
const DONE_STATE = 'xstate.done.state.';

/** xstate's internal event names made readable: `xstate.done.actor.drain` → `done: drain`. */
export function readableEvent(eventType: string, sourceId: string): string {
  if (eventType === '') return 'always';
  if (eventType === '*') return 'any event';
  if (eventType.startsWith(AFTER)) {
    const rest = eventType.slice(AFTER.length);
    const suffix = `.${sourceId}`;
    const delay = rest.endsWith(suffix) ? rest.slice(0, -suffix.length) : rest;
    return /^\d+$/.test(delay) ? `after: ${delay} ms` : `after: ${delay}`;
  }
  if (eventType.startsWith(DONE_ACTOR)) return `done: ${eventType.slice(DONE_ACTOR.length)}`;
  if (eventType.startsWith(ERROR_ACTOR)) return `error: ${eventType.slice(ERROR_ACTOR.length)}`;
  if (eventType.startsWith(DONE_STATE)) return `done: ${eventType.slice(DONE_STATE.length)}`;
  return eventType;
}

/** `DELETE_PENDING [cannotWait]`, `done: drain [else]`, `after: untilDeadline`. */
export function transitionLabel(parts: LabelParts): string {
  const event = readableEvent(parts.eventType, parts.sourceId);
  if (parts.guard !== null) return `${event} [${parts.guard}]`;
  return parts.isElse ? `${event} [else]` : event;
}

/** Static params written after a guard's name: `{ states: ['drained'] }` → `drained`; dynamic ones are left out. */
function paramsText(params: unknown): string {
  if (params === null || typeof params !== 'object') return '';
  const values = Object.values(params).flatMap((value) => (Array.isArray(value) ? value : [value]));
  return values.every((v) => ['string', 'number', 'boolean'].includes(typeof v)) ? values.join(', ') : '';
}

/**
 * A guard's name: `'cannotWait'`, `{ type: 'restoredIn', params: { states: ['held'] } }` → `restoredIn(held)`, or a
 * named function.
 */
export function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'guard';
  if (typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string') {
    const params = paramsText((guard as { params?: unknown }).params);
    return params ? `${guard.type}(${params})` : guard.type;
  }
  return 'guard';
}
