// The package's public API: the plugin SDK for drain actions, and the agent for embedding.

// The zod the agent validates options with: a plugin needs nothing installed beside the agent.
export { z } from 'zod';
export { type Agent, type AgentDeps, createAgent } from './agent.js';
export { ConfigError, loadConfig, parseConfig } from './config/load-config.js';
export type { AgentConfig } from './config/schema.js';
export {
  type DrainAction,
  type DrainActionContext,
  defineDrainAction,
  type Exited,
  type ExitMeaning,
  isDrainAction,
  mustReach,
  passesOnExit,
  passesWhenZero,
  type RemoteHost,
  type RunResult,
  type SshRunOptions,
  type StatusMeaning,
  type StepTimings,
  type VerifyFailure,
  type VerifyResult,
} from './drain/sdk.js';
