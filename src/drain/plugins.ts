import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/load-config.js';
import { resolvePluginSdkToThisInstall } from './plugin-sdk-resolution.js';
import type { ActionRegistry } from './registry.js';
import { isDrainAction } from './sdk.js';

let tsLoaderRegistered = false;

/** TypeScript plugins load through tsx, registered once and only when one is configured. */
async function enableTypeScript(): Promise<void> {
  if (tsLoaderRegistered) return;
  const { register } = await import('tsx/esm/api');
  register();
  tsLoaderRegistered = true;
}

/** Imports each plugin module (absolute paths) and registers every drain action it exports. */
export async function loadPlugins(paths: string[], registry: ActionRegistry): Promise<string[]> {
  const loaded: string[] = [];
  if (paths.length > 0) resolvePluginSdkToThisInstall();
  for (const [index, file] of paths.entries()) {
    const key = `plugins[${index}]`;
    if (/\.[cm]?ts$/.test(file)) await enableTypeScript();
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`${key}: cannot load ${file}: ${(error as Error).message}`, key);
    }
    const actions = Object.values(module)
      .flatMap((value) => (Array.isArray(value) ? value : [value]))
      .filter(isDrainAction);
    if (actions.length === 0)
      throw new ConfigError(`${key}: ${file} exports no drain action (use defineDrainAction)`, key);
    for (const action of new Set(actions)) {
      try {
        registry.add(action);
      } catch (error) {
        throw new ConfigError(`${key}: ${(error as Error).message}`, key);
      }
      loaded.push(action.name);
    }
  }
  return loaded;
}
