import type { AgentConfig } from '../config/schema.js';
import { compilePlan, type DrainPlan } from './plan.js';
import { loadPlugins } from './plugins.js';
import { ActionRegistry } from './registry.js';

/** Loads the configured plugins and compiles the drain plan; a bad step or plugin is a ConfigError. */
export async function loadDrainPlan(config: AgentConfig): Promise<DrainPlan> {
  const registry = new ActionRegistry();
  await loadPlugins(config.plugins, registry);
  return compilePlan(config.drain, registry);
}
