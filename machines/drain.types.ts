/** The node facts a drain step sees. */
export interface DrainNode {
  nodeId: string;
  clientId: string | null;
  /** Absolute deadline (epoch ms) when the drain started; null when the cluster cannot wait. */
  deadline: number | null;
}

/** What the drain machine needs to know of a step; the commands themselves live in src/drain. */
export interface StepOutline {
  name: string;
  timeoutSeconds: number;
  /** How many times `verify` is tried before the step counts as failed. */
  verifyAttempts: number;
  /** Pause between two `verify` tries. */
  verifyIntervalSeconds: number;
}

export interface DrainInput {
  node: DrainNode;
  steps: StepOutline[];
}

export interface StepRequest {
  node: DrainNode;
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
  stepIndex: number;
  attempt: number;
  failure: string | null;
}

export interface DrainOutput {
  verified: boolean;
  failure: string | null;
  /** Name of the step that failed, when one did. */
  failedStep: string | null;
}
