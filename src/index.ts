// The package's public API: the plugin SDK for drain actions, and the agent for embedding.
export {
  defineDrainAction,
  isDrainAction,
  mustReach,
  passesOnExit,
  passesWhenZero,
  type DrainAction,
  type DrainActionContext,
  type ExitMeaning,
  type RemoteHost,
  type Exited,
  type RunResult,
  type SshRunOptions,
  type StatusMeaning,
  type StepTimings,
  type VerifyFailure,
  type VerifyResult,
} from './drain/sdk.js';
// The zod the agent validates options with: a plugin needs nothing installed beside the agent.
export { z } from 'zod';
export { createAgent, type Agent, type AgentDeps } from './agent.js';
export { loadConfig, parseConfig, ConfigError } from './config/load-config.js';
export type { AgentConfig } from './config/schema.js';
