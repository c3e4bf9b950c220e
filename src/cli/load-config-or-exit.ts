import { ConfigError, loadConfig } from '../config/load-config.js';
import type { AgentConfig } from '../config/schema.js';
import { configExit } from './exit-codes.js';

/** Loads the configuration; a bad one ends the command with exit 2 and a message naming the key. */
export async function loadConfigOrExit(file: string): Promise<AgentConfig> {
  try {
    return await loadConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) throw configExit(error);
    throw error;
  }
}
