import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { msUntilSwitch, phaseSteps } from '../../machines/drain.ladder.js';
import type {
  DrainContext,
  DrainEvent,
  DrainInput,
  PlanOutline,
  StepRequest,
  VerifyResult,
} from '../../machines/drain.types.js';
import { provideDrainMachine } from '../../src/slice/provide-machine.js';
import { arrivesIn, ChartCoverage } from './chart-coverage.js';
import { InvariantViolation } from './invariants.js';

const T0 = 1_800_000_000_000;
const step = (name: string) => ({
  name,
  estimateSeconds: 5,
  timeoutSeconds: 30,
  verifyAttempts: 2,
  verifyIntervalSeconds: 1,
});
const never = () => new Promise<never>(() => undefined);
let clock = new SimulatedClock();
// The leaves never settle: the walk decides each run, verify and probe with done/error events.
const machine = provideDrainMachine(
  { runStep: fromPromise<void, StepRequest>(never), verifyStep: fromPromise<VerifyResult, StepRequest>(never) },
  () => clock.now(),
);

type ChartEvent = DrainEvent | { type: string; output?: VerifyResult; error?: unknown };
const FAR = T0 + 3_600_000;
const NEAR = T0 + 1_000;

/** Every leaf outcome (pass, fail, throw), the timers and the deadline moving far or near. */
const EVENTS: ChartEvent[] = [
  { type: 'xstate.done.actor.run' },
  { type: 'xstate.error.actor.run', error: new Error('connection dropped') },
  { type: 'xstate.done.actor.verify', output: { passed: true } },
  { type: 'xstate.done.actor.verify', output: { passed: false, detail: 'still-running' } },
  { type: 'xstate.error.actor.verify', error: new Error('connection dropped') },
  { type: 'xstate.done.actor.probe', output: { passed: true } },
  { type: 'xstate.done.actor.probe', output: { passed: false, detail: 'still-running' } },
  { type: 'xstate.error.actor.probe', error: new Error('connection dropped') },
  { type: 'xstate.after.verifyInterval.drain.graceful.steps.waitingToVerify' },
  { type: 'xstate.after.verifyInterval.drain.force.waitingToVerify' },
  { type: 'xstate.after.untilSwitchPoint.drain.graceful.switchPoint.armed' },
  { type: 'DEADLINE_MOVED', deadline: FAR },
  { type: 'DEADLINE_MOVED', deadline: NEAR },
];

const WHERE: Array<[string, string]> = [
  ['xstate.done.actor.run', 'running'],
  ['xstate.error.actor.run', 'running'],
  ['xstate.done.actor.verify', 'verifying'],
  ['xstate.error.actor.verify', 'verifying'],
  ['xstate.done.actor.probe', 'probing'],
  ['xstate.error.actor.probe', 'probing'],
  ['xstate.after.verifyInterval.drain.graceful.steps.waitingToVerify', 'drain.graceful.steps.waitingToVerify'],
  ['xstate.after.verifyInterval.drain.force.waitingToVerify', 'drain.force.waitingToVerify'],
  ['xstate.after.untilSwitchPoint.drain.graceful.switchPoint.armed', 'drain.graceful.switchPoint.armed'],
];
/** Outcomes arrive only while their leaf runs, timers only in their state. */
const applies = arrivesIn(WHERE);

const plan = (graceful: number, force: number, prepare = 0): PlanOutline => ({
  graceful: Array.from({ length: graceful }, (_, i) => step(`g${i}`)),
  force: Array.from({ length: force }, (_, i) => step(`f${i}`)),
  prepare: Array.from({ length: prepare }, (_, i) => step(`p${i}`)),
  reserveSeconds: 10,
});
const node = (deadline: number | null) => ({ nodeId: 'pc101', clientId: 'node1', deadline });
const INPUTS: DrainInput[] = [
  ...[null, FAR, NEAR].flatMap((deadline) => [
    { node: node(deadline), purpose: 'drain' as const, plan: plan(2, 1) },
    { node: node(deadline), purpose: 'drain' as const, plan: plan(1, 0) },
  ]),
  { node: node(FAR), purpose: 'drain', plan: plan(0, 1) },
  { node: node(FAR), purpose: 'drain', plan: plan(0, 0) },
  { node: node(null), purpose: 'prepare', plan: plan(1, 1, 2) },
  {
    node: node(FAR),
    purpose: 'drain',
    plan: plan(1, 1),
    resume: true,
    suspectSteps: [{ rung: 'graceful', stepIndex: 0 }],
  },
  {
    node: node(FAR),
    purpose: 'drain',
    plan: plan(1, 2),
    resume: true,
    suspectSteps: [{ rung: 'force', stepIndex: 0 }],
  },
  // The agent died while the step's verify probed it, too: it fails without a probe.
  {
    node: node(FAR),
    purpose: 'drain',
    plan: plan(1, 1),
    resume: true,
    suspectSteps: [{ rung: 'graceful', stepIndex: 0, probe: false }],
  },
  {
    node: node(FAR),
    purpose: 'drain',
    plan: plan(1, 2),
    resume: true,
    suspectSteps: [{ rung: 'force', stepIndex: 0, probe: false }],
  },
];

/** The ladder reports verified only when every step of the rung that finished had a verify (or probe) that passed. */
function checkOutcome(
  snapshot: { status: string; output?: { verified: boolean; failure: string | null }; context: DrainContext },
  passed: Set<string>,
): void {
  if (snapshot.status !== 'done' || !snapshot.output) return;
  const { context, output } = snapshot;
  if (!output.verified) {
    if (output.failure === null) throw new InvariantViolation('a failed drain says why', 'failed with no failure');
    return;
  }
  const rung = context.purpose === 'prepare' ? 'prepare' : context.phase;
  const steps = phaseSteps(context, context.phase);
  const unverified = steps.filter((_, i) => !passed.has(`${rung}:${i}`));
  if (steps.length === 0 || unverified.length > 0) {
    throw new InvariantViolation(
      'a drain is verified only by verifies that passed',
      `${rung} steps without a passing verify: ${unverified.map((s) => s.name).join(', ') || '(none in the rung)'}`,
    );
  }
}

function walk(input: DrainInput, events: ChartEvent[], coverage: ChartCoverage): number {
  clock = new SimulatedClock();
  clock.set(T0);
  const actor = createActor(machine, { input, clock, inspect: coverage.inspect }).start();
  const passed = new Set<string>();
  let checks = 0;
  const check = () => {
    coverage.visit(actor.getSnapshot() as never);
    checkOutcome(actor.getSnapshot() as never, passed);
    checks += 1;
  };
  check();
  for (const event of events) {
    const snapshot = actor.getSnapshot();
    if (snapshot.status !== 'active') break;
    const { context } = snapshot;
    const stepKey = `${context.purpose === 'prepare' ? 'prepare' : context.phase}:${context.stepIndex}`;
    if (
      (event.type === 'xstate.done.actor.verify' || event.type === 'xstate.done.actor.probe') &&
      (event as { output: VerifyResult }).output.passed
    )
      passed.add(stepKey);
    if (event.type.startsWith('xstate.after.verifyInterval')) clock.increment(1_000);
    else if (event.type.startsWith('xstate.after.untilSwitchPoint'))
      clock.increment(Math.max(1, msUntilSwitch(context, clock.now())));
    else actor.send(event as DrainEvent);
    check();
  }
  actor.stop();
  return checks;
}

const serialize = (s: { value: unknown; status: string; context: DrainContext }) =>
  JSON.stringify([
    s.value,
    s.status,
    s.context.phase,
    s.context.stepIndex,
    s.context.attempt,
    s.context.escalation,
    s.context.node.deadline,
  ]);

describe('the drain ladder chart, exhaustively', () => {
  it('every shortest path to every state, followed by every event, keeps every invariant', () => {
    const coverage = new ChartCoverage('drain chart', machine);
    let checks = 0;
    for (const input of INPUTS) {
      clock = new SimulatedClock();
      clock.set(T0);
      const paths = getShortestPaths(machine, {
        events: EVENTS as DrainEvent[],
        input,
        serializeState: serialize as never,
        filterEvents: (snapshot, event) => snapshot.status === 'active' && applies(snapshot, event),
      });
      for (const path of paths) {
        const events = path.steps.slice(1).map((s) => s.event as ChartEvent);
        for (const next of [undefined, ...EVENTS.filter((event) => applies(path.state, event))]) {
          checks += walk(input, next ? [...events, next] : events, coverage);
          coverage.paths += 1;
        }
      }
    }
    console.log(`${coverage.summary()}, ${INPUTS.length} inputs, ${checks} invariant checks`);
    expect(coverage.missing).toEqual([]);
  });
});
