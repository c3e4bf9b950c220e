import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import type { DrainOutput, StepRequest, VerifyResult } from '../../machines/drain.types.js';
import { RESTORABLE_STATES } from '../../machines/node.tags.js';
import type { NodeEvent, NodeInput, NodeMemory, RestorableState } from '../../machines/node.types.js';
import { RELEASED_TAG } from '../../machines/node.types.js';
import { stateName } from '../../src/slice/node-actor.js';
import { provideNodeMachine } from '../../src/slice/provide-machine.js';
import { nodeMemory } from '../helpers/node-memory.js';
import { arrivesIn, ChartCoverage } from './chart-coverage.js';
import {
  freshIncarnationIsUnreleased,
  type NodeView,
  ReleaseLedger,
  releasedFlagMatchesTag,
  releaseIsJustified,
  workLostRecorded,
} from './invariants.js';

const T0 = 1_800_000_000_000;
const STEP = { name: 'stop-jobs', estimateSeconds: 5, timeoutSeconds: 30, verifyAttempts: 2, verifyIntervalSeconds: 1 };
const never = () => new Promise<never>(() => undefined);
let clock = new SimulatedClock();
// The drain's own leaves never settle: the walk decides the drain's outcome with done/error events.
const machine = provideNodeMachine(
  { runStep: fromPromise<void, StepRequest>(never), verifyStep: fromPromise<VerifyResult, StepRequest>(never) },
  () => clock.now(),
);

const output = (verified: boolean): DrainOutput => ({
  verified,
  failure: verified ? null : 'stop-jobs: verify did not pass',
  failedStep: verified ? null : 'stop-jobs',
  escalation: null,
  crashedStep: false,
});
type ChartEvent = NodeEvent | { type: string; output?: DrainOutput; error?: unknown };

/** The cluster's events (max_wait_time 0 / small / large), the drain's and prepare's outcomes, the timers. */
const EVENTS: ChartEvent[] = [
  { type: 'DELETE_PENDING', maxWaitTime: 0, at: T0 },
  { type: 'DELETE_PENDING', maxWaitTime: 5, at: T0 },
  { type: 'DELETE_PENDING', maxWaitTime: 600, at: T0 },
  { type: 'VALUE_SET', value: 0.1, at: T0 },
  { type: 'DELETE_COMPLETE', at: T0 },
  { type: 'xstate.done.actor.drain', output: output(true) },
  { type: 'xstate.done.actor.drain', output: output(false) },
  { type: 'xstate.error.actor.drain', error: new Error('node unreachable') },
  { type: 'xstate.done.actor.prepare', output: output(true) },
  { type: 'xstate.done.actor.prepare', output: output(false) },
  { type: 'xstate.error.actor.prepare', error: new Error('node unreachable') },
  { type: 'xstate.after.untilDeadline.node.draining.countdown' },
  { type: 'xstate.after.untilDeadline.node.held' },
  { type: 'xstate.after.bestEffortWindow.node.draining.bestEffort' },
];

/** The drain's and prepare's outcomes and the timers arrive only in the states that run them. */
const WHERE: Array<[string, string]> = [
  ['xstate.done.actor.drain', 'node.draining'],
  ['xstate.error.actor.drain', 'node.draining'],
  ['xstate.done.actor.prepare', 'node.allocated.preparing'],
  ['xstate.error.actor.prepare', 'node.allocated.preparing'],
  ['xstate.after.untilDeadline.node.draining.countdown', 'node.draining.countdown'],
  ['xstate.after.untilDeadline.node.held', 'node.held'],
  ['xstate.after.bestEffortWindow.node.draining.bestEffort', 'node.draining.bestEffort'],
];
const applies = arrivesIn(WHERE);

const MEMORY = nodeMemory();
/** What the journal holds of a node in each state it can be restored into. */
const RESTORED: Record<RestorableState, Partial<NodeMemory>> = {
  'allocated.idle': {},
  'allocated.preparing': { value: 0.1 },
  'allocated.prepared': { value: 0.1 },
  'allocated.prepareFailed': { value: 0.1, prepareFailure: 'x' },
  'draining.countdown': { revokedAt: T0, deadline: T0 + 600_000, maxWaitTime: 600 },
  'draining.bestEffort': { revokedAt: T0, deadline: T0, maxWaitTime: 0 },
  held: { revokedAt: T0, deadline: T0 + 600_000, maxWaitTime: 600, failure: 'x' },
  drained: { revokedAt: T0, deadline: T0 + 600_000, maxWaitTime: 600 },
  forced: { revokedAt: T0, deadline: T0 - 1, maxWaitTime: 600, forcedReason: 'deadline' },
  deleted: { revokedAt: T0, deletedAt: T0, workLost: true },
};

const base = {
  nodeId: 'pc101',
  clientId: 'node1',
  plan: { graceful: [STEP], force: [], prepare: [STEP], reserveSeconds: 10 },
  bestEffortSeconds: 5,
};
const INPUTS: Array<[string, NodeInput]> = [
  ...(['hold', 'release'] as const).flatMap(
    (onFailure): Array<[string, NodeInput]> => [
      [`onFailure ${onFailure}`, { ...base, onFailure }],
      [`onFailure ${onFailure}, prepareAt 0.5`, { ...base, onFailure, prepareAt: 0.5 }],
    ],
  ),
  ...RESTORABLE_STATES.map((state): [string, NodeInput] => [
    `restored ${state}`,
    { ...base, onFailure: 'hold', prepareAt: 0.5, restore: { state, memory: { ...MEMORY, ...RESTORED[state] } } },
  ]),
];

/** Replays one path on a live actor (SimulatedClock), checking the invariants after every step. */
function walk(
  input: NodeInput,
  events: ChartEvent[],
  expected: Array<string | undefined>,
  coverage: ChartCoverage,
): number {
  clock = new SimulatedClock();
  clock.set(T0);
  const restoredAs = input.restore?.state;
  const facts = {
    verified: restoredAs === 'drained',
    noWait: input.restore?.memory.maxWaitTime === 0,
    deleted: restoredAs === 'deleted',
  };
  const evidence = {
    now: T0,
    onFailure: input.onFailure,
    drainVerified: () => facts.verified,
    clusterCouldNotWait: () => facts.noWait,
    deletedByCluster: () => facts.deleted,
    unreachableUnknown: () => false,
  };
  const actor = createActor(machine, { input, clock, inspect: coverage.inspect }).start();
  const ledger = new ReleaseLedger();
  let checks = 0;
  const check = (where: string, from: string | null) => {
    const snapshot = actor.getSnapshot();
    coverage.visit(snapshot as never);
    const { context } = snapshot;
    const view: NodeView = {
      nodeId: context.nodeId,
      incarnation: context.incarnation,
      state: stateName(snapshot.value),
      tagged: snapshot.hasTag(RELEASED_TAG),
      context,
    };
    const givenBack = view.tagged || view.state === 'deleted';
    evidence.now = clock.now();
    if (givenBack) releaseIsJustified(view.nodeId, view, evidence);
    releasedFlagMatchesTag(view);
    ledger.observe(view.nodeId, view.incarnation, givenBack, where);
    if (from === null && restoredAs === undefined) freshIncarnationIsUnreleased(view);
    if (view.state === 'deleted' && from !== null && from !== 'deleted')
      workLostRecorded(view.nodeId, from, context.workLost);
    checks += 1;
  };
  check('start', null);
  events.forEach((event, i) => {
    const from = stateName(actor.getSnapshot().value);
    const { context } = actor.getSnapshot();
    if (event.type === 'DELETE_PENDING' && (event as { maxWaitTime: number }).maxWaitTime === 0) facts.noWait = true;
    if (event.type === 'DELETE_COMPLETE') facts.deleted = true;
    if (event.type === 'xstate.done.actor.drain') facts.verified = (event as { output: DrainOutput }).output.verified;
    if (event.type.startsWith('xstate.after.untilDeadline'))
      clock.increment(Math.max(1, (context.deadline ?? clock.now()) - clock.now()));
    else if (event.type.startsWith('xstate.after.bestEffortWindow')) clock.increment(context.bestEffortSeconds * 1000);
    // The slice sends nothing to a deleted node (its actor is done).
    else if (actor.getSnapshot().status === 'active')
      actor.send(('at' in event ? { ...event, at: clock.now() } : event) as NodeEvent);
    const now = stateName(actor.getSnapshot().value);
    if (expected[i] !== undefined && now !== expected[i])
      throw new Error(`the chart walk expected ${expected[i]} after ${event.type}, the actor is in ${now}`);
    check(`${event.type} #${i}`, from);
  });
  actor.stop();
  return checks;
}

const serialize = (s: {
  value: unknown;
  context: { released: boolean; forcedReason: unknown; maxWaitTime: number | null; workLost: boolean };
}) =>
  JSON.stringify([
    s.value,
    s.context.released,
    s.context.forcedReason,
    s.context.maxWaitTime === 0,
    s.context.workLost,
  ]);

describe('the node chart, exhaustively', () => {
  it('every shortest path to every state, followed by every event, keeps every invariant', () => {
    const coverage = new ChartCoverage('node chart', machine);
    let checks = 0;
    for (const [, input] of INPUTS) {
      const paths = getShortestPaths(machine, {
        events: EVENTS as NodeEvent[],
        input,
        serializeState: serialize as never,
        filterEvents: applies,
      });
      for (const path of paths) {
        const steps = path.steps.slice(1);
        const events = steps.map((s) => s.event as ChartEvent);
        const expected = steps.map((s) => stateName(s.state.value));
        for (const next of [undefined, ...EVENTS.filter((event) => applies(path.state, event))]) {
          checks += walk(input, next ? [...events, next] : events, expected, coverage);
          coverage.paths += 1;
        }
      }
    }
    console.log(`${coverage.summary()}, ${INPUTS.length} inputs, ${checks} invariant checks`);
    // Every transition of the chart is taken on some path: none is unreachable.
    expect(coverage.missing).toEqual([]);
  });
});
