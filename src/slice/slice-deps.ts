import type { Logger } from 'pino';
import type { FailurePolicy, NodeInput, NodeRestore, ValueMeaning } from '../../machines/node.types.js';
import type { DrainPlan } from '../drain/plan.js';
import { createStepActors, type DrainCommandEvent } from '../drain/step-actors.js';
import type { SshRunner, SshTarget } from '../ssh/ssh-runner.js';
import type { Clock, NodeMachine, StateChange } from './node-actor.js';
import { deriveHost } from './host-template.js';
import type { SliceNode } from './lazy-node.js';
import { provideNodeMachine } from './provide-machine.js';

/** Drains one countdown starts before its reply (SliceDeps.startBeforeReply). */
export const DEFAULT_START_BEFORE_REPLY = 2;

export interface SliceDeps {
  plan: DrainPlan;
  runner: SshRunner;
  logger: Logger;
  now: () => number;
  clock?: Clock;
  bestEffortSeconds: number;
  onFailure: FailurePolicy;
  /** Value at which a node's prepare steps run (null: never), read in the `valueMeans` direction. */
  prepareAt?: number | null;
  valueMeans?: ValueMeaning;
  /** SSH login defaults for nodes learned from calls. */
  ssh: { user: string; port: number };
  hostTemplate?: string;
  unknownNodes: 'adopt' | 'release';
  /** Unknown nodes tracked at most; a call that would pass it is refused (see unknown-nodes.ts). */
  maxUnknownNodes?: number;
  /** A countdown naming a deleted node this soon after its deletion is a late repeat (see incarnation.ts). */
  deletedGraceSeconds?: number;
  onChange?: (change: StateChange) => void;
  /**
   * How many drains one countdown call starts before it answers; the rest start right after the
   * reply, in call order, a slice of the event loop at a time (default 2).
   */
  startBeforeReply?: number;
  /** Each drain command as it starts and ends (for status and metrics). */
  onCommand?: (event: DrainCommandEvent) => void;
}

/** The node machine every node of the slice runs: the plan's steps over the slice's SSH runner, on its clock. */
export function sliceNodeMachine(deps: SliceDeps, targetOf: (nodeId: string) => SshTarget | undefined): NodeMachine {
  const { plan, runner, logger, now } = deps;
  const leaves = createStepActors({ plan, runner, targetOf, logger, now, onCommand: (event) => deps.onCommand?.(event) });
  return provideNodeMachine(leaves, now);
}

/** A node's machine input: the slice's plan and policies, and the node's own facts. */
export function nodeInputOf(
  deps: SliceDeps,
  node: { nodeId: string; clientId: string | null },
  restore: NodeRestore | undefined,
  incarnation: number | undefined,
): NodeInput {
  return {
    nodeId: node.nodeId,
    clientId: node.clientId,
    plan: deps.plan.outline,
    bestEffortSeconds: deps.bestEffortSeconds,
    onFailure: deps.onFailure,
    prepareAt: deps.prepareAt ?? null,
    valueMeans: deps.valueMeans ?? 'keep-worth',
    restore,
    incarnation,
  };
}

/** Where a node learned from a call is reached, or null when the policy or the template cannot say. */
export function adoptedTarget(deps: SliceDeps, nodeId: string, clientId: string | null): SshTarget | null {
  const host = deps.unknownNodes === 'adopt' ? deriveHost(deps.hostTemplate, { nodeId, clientId }) : null;
  return host === null ? null : { nodeId, host, ...deps.ssh };
}

/** Opens a node's SSH connection ahead of its drain, when the runner can; false when it could not. */
export async function warmNode(runner: SshRunner, node: SliceNode): Promise<boolean> {
  if ((node.started && node.actor.getSnapshot().status !== 'active') || !runner.warm) return false;
  return runner.warm(node.target);
}

/** What the slice does on every node state change: a deleted node's connection goes, work lost is logged. */
export function nodeChangeHandler(deps: SliceDeps): (change: StateChange) => void {
  return (change) => {
    if (change.to === 'deleted') {
      deps.runner.release(change.nodeId);
      if (change.snapshot.context.workLost) {
        deps.logger.warn({ nodeId: change.nodeId, from: change.from }, 'node deleted before its drain was verified: work lost');
      }
    }
    deps.onChange?.(change);
  };
}
