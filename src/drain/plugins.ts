import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/load-config.js';
import { OperatorError } from '../config/operator-errors.js';
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

/**
 * Why a plugin did not load, with its fix: a TypeScript file that Node took for CommonJS (no
 * `"type": "module"` above it) fails as a require() of an ES module in a cycle.
 */
function pluginLoadError(key: string, file: string, error: unknown): OperatorError {
  const { code, message } = error as NodeJS.ErrnoException;
  const notAModule = code === 'ERR_REQUIRE_CYCLE_MODULE' || /require\(\) ES Module|ERR_REQUIRE_ESM/.test(message);
  return new OperatorError(
    notAModule ? 'DYNSLICE_PLUGIN_NOT_A_MODULE' : 'DYNSLICE_PLUGIN_NOT_LOADED',
    key,
    `cannot load ${file}: ${message}`,
    { path: file },
  );
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
      throw pluginLoadError(key, file, error);
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
