import { BUILT_IN_ACTIONS } from './actions/index.js';
import type { DrainAction } from './sdk.js';

/** Drain actions by name: the built-ins plus those plugins add. Adding one never edits a machine. */
export class ActionRegistry {
  private readonly actions = new Map<string, DrainAction>();

  constructor(actions: readonly DrainAction[] = BUILT_IN_ACTIONS) {
    for (const action of actions) this.add(action);
  }

  add(action: DrainAction): void {
    if (this.actions.has(action.name)) throw new Error(`a drain action named "${action.name}" is already registered`);
    this.actions.set(action.name, action);
  }

  get(name: string): DrainAction | undefined {
    return this.actions.get(name);
  }

  names(): string[] {
    return [...this.actions.keys()];
  }
}
