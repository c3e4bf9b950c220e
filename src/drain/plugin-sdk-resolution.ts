import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Loader hooks, as text: run in Node's loader thread, where this file's TypeScript could not be
 * loaded. `import … from 'dynslice-agent'` resolves to `data.entry`.
 */
const HOOKS = `
let entry;
export function initialize(data) { entry = data.entry; }
export async function resolve(specifier, context, next) {
  return specifier === 'dynslice-agent' ? { url: entry, shortCircuit: true } : next(specifier, context);
}
`;

let registered = false;

/**
 * Plugins that import `dynslice-agent` get the SDK of the agent that loads them, wherever they
 * lie: a plugin folder needs no install of its own, and its actions are this agent's. Only for a
 * built install (from the sources, the package resolves itself by name).
 */
export function resolvePluginSdkToThisInstall(): void {
  if (registered) return;
  registered = true;
  const entry = new URL('../index.js', import.meta.url);
  const register = (nodeModule as { register?: (url: string, options: { data: unknown }) => void }).register;
  if (register === undefined || !existsSync(fileURLToPath(entry))) return;
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { entry: entry.href } });
}
