/** The node facts a drain step sees. */
export interface DrainNode {
  nodeId: string;
  clientId: string | null;
  /** Absolute deadline (epoch ms); null before any countdown (a prepare run). */
  deadline: number | null;
}

/** What the drain machine needs to know of a step; the actions themselves live in src/drain. */
export interface StepOutline {
  name: string;
  /** How long the step is expected to take; the escalation switch point is computed from these. */
  estimateSeconds: number;
  timeoutSeconds: number;
  /** How many times `verify` is tried before the step counts as failed. */
  verifyAttempts: number;
  /** Pause between two `verify` tries. */
  verifyIntervalSeconds: number;
}

/** The ladder: graceful steps first, force steps when time runs short or graceful fails. */
export interface PlanOutline {
  graceful: StepOutline[];
  force: StepOutline[];
  /** Run before any revocation when the node's value crosses the threshold. */
  prepare: StepOutline[];
  /** Margin kept on top of the force steps' estimates when computing the switch point. */
  reserveSeconds: number;
}

/** Which list of the plan a step belongs to. */
export type StepPhase = 'graceful' | 'force' | 'prepare';

export interface DrainInput {
  node: DrainNode;
  /** `prepare` runs the plan's prepare steps as the graceful phase, with no force phase. */
  purpose: 'drain' | 'prepare';
  plan: PlanOutline;
  /**
   * Resuming after a restart: each step's verify runs first and a step that already passes is
   * skipped, so nothing done before the restart is done again.
   */
  resume?: boolean;
  /**
   * Steps the agent died in too often while they ran (see the journal): when resuming, such a step
   * is probed with its verify and, if that fails, fails at once instead of running again.
   */
  suspectSteps?: StepRef[];
}

/** One step of the plan. */
export interface StepRef {
  rung: StepPhase;
  stepIndex: number;
  /** false: the agent died while this step's verify probed it, too: it fails without a probe. */
  probe?: false;
}

export interface StepRequest {
  node: DrainNode;
  phase: StepPhase;
  stepIndex: number;
  step: StepOutline;
  attempt: number;
}

/** Result of one `verify`: passed, or why not. */
export interface VerifyResult {
  passed: boolean;
  detail?: string;
}

export interface DrainContext extends DrainInput {
  phase: 'graceful' | 'force';
  stepIndex: number;
  attempt: number;
  failure: string | null;
  /** Why the force steps started, if they did. */
  escalation: 'time' | 'failure' | null;
  /** Set when the plan reached `verified`. */
  verified: boolean;
  /** A step the agent died in too often failed (recordCrashedStep). */
  crashed: boolean;
}

export type DrainEvent = { type: 'DEADLINE_MOVED'; deadline: number };

export interface DrainOutput {
  verified: boolean;
  failure: string | null;
  /** Name of the step that failed, when one did. */
  failedStep: string | null;
  escalation: DrainContext['escalation'];
  /** Not verified, and a step the agent died in too often failed on the way: its node is a crash suspect. */
  crashedStep: boolean;
}
