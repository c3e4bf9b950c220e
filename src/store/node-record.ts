import type { Logger } from 'pino';
import { initialNodeContext } from '../../machines/node.context.js';
import { isRestorable } from '../../machines/node.tags.js';
import { FRESH_NODE_STATE, type NodeInput, type NodeRestore } from '../../machines/node.types.js';
import type { DrainCommandEvent } from '../drain/step-actors.js';
import type { NodeSnapshot } from '../slice/node-actor.js';
import { stateName } from '../slice/node-actor.js';
import type { SliceNode } from '../slice/slice.js';
import type { InterruptedSteps } from './interrupted-steps.js';
import { type CommandRecord, type NodeRecord, pickMemory } from './records.js';

/** The journal's view of a node after a state change. */
export function nodeRecordOf(
  node: Pick<SliceNode, 'nodeId' | 'clientId' | 'target' | 'adopted'>,
  snapshot: NodeSnapshot,
): NodeRecord {
  const state = stateName(snapshot.value);
  if (!isRestorable(state)) throw new Error(`node ${node.nodeId}: state ${state} cannot be journaled`);
  return {
    nodeId: node.nodeId,
    clientId: node.clientId,
    target: node.target,
    state,
    memory: pickMemory(snapshot.context),
    adopted: node.adopted,
  };
}

/** The journal's view of a node that joined the slice and has no state machine yet: allocated and idle. */
export function joinedRecordOf(node: SliceNode & { input: NodeInput }): NodeRecord {
  return {
    nodeId: node.nodeId,
    clientId: node.clientId,
    target: node.target,
    state: FRESH_NODE_STATE,
    memory: pickMemory(initialNodeContext(node.input)),
    adopted: node.adopted,
  };
}

/** The journal's view of a drain command starting or finishing, in the node's current incarnation. */
export function commandRecordOf(
  event: DrainCommandEvent,
  slice: { get(nodeId: string): SliceNode | undefined },
): CommandRecord {
  const node = slice.get(event.nodeId);
  const incarnation = node?.snapshot?.context.incarnation ?? 1;
  const { nodeId, rung, stepIndex, step, phase } = event;
  const finished = event.finishedAt !== undefined;
  return {
    nodeId,
    incarnation,
    rung,
    stepIndex,
    step,
    phase,
    state: finished ? 'finished' : 'started',
    ...(finished ? { code: event.code ?? null } : {}),
  };
}

/**
 * How a node comes back after a restart: as the journal left it, with the steps charged with at
 * least `limit` deaths of the agent (a restart then probes them and never runs them again; one that
 * killed it while probed is not even probed).
 */
export function restoreFromJournal(
  record: NodeRecord,
  interrupted: InterruptedSteps,
  limit: number,
  logger: Logger,
): NodeRestore {
  const incarnation = record.memory.incarnation ?? 1;
  const suspectSteps = interrupted.culprits(record.nodeId, incarnation, limit);
  for (const step of suspectSteps) {
    const deaths = interrupted.count({ nodeId: record.nodeId, incarnation, ...step });
    logger.error(
      { nodeId: record.nodeId, incarnation, rung: step.rung, stepIndex: step.stepIndex, deaths, limit },
      step.probe === false
        ? 'the agent died while this drain step ran, and again while its verify probed it: it fails ' +
            'without running (agent-crashed-during-step)'
        : 'the agent died while this drain step ran: it is probed with its verify and not run again ' +
            '(agent-crashed-during-step)',
    );
  }
  return { state: record.state, memory: record.memory, ...(suspectSteps.length > 0 ? { suspectSteps } : {}) };
}
