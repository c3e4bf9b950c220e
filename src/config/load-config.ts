import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { closestKey, knownKeysAt } from './closest-key.js';
import { ConfigError } from './config-error.js';
import { resolveEndpointPaths } from './endpoint-schema.js';
import { OperatorError } from './operator-errors.js';
import { type AgentConfig, configSchema } from './schema.js';

export { ConfigError };

const keyPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );

function toConfigError(source: string, issues: readonly z.core.$ZodIssue[]): ConfigError {
  const lines = issues.map((issue) => {
    const base = keyPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(configSchema, issue.path);
      return issue.keys
        .map((k) => {
          const near = closestKey(k, known);
          return `${base ? `${base}.${k}` : k}: unknown key${near === null ? '' : ` (did you mean ${near}?)`}`;
        })
        .join('\n  ');
    }
    return `${base || '(top level)'}: ${issue.message}`;
  });
  const first = issues[0];
  const key =
    first === undefined
      ? null
      : first.code === 'unrecognized_keys'
        ? [keyPath(first.path), first.keys[0]].filter(Boolean).join('.')
        : keyPath(first.path);
  const detail = `invalid configuration\n  ${lines.join('\n  ')}`;
  return first?.code === 'unrecognized_keys'
    ? new OperatorError('DYNSLICE_CONFIG_UNKNOWN_KEY', source, detail, {}, key ?? undefined)
    : new ConfigError(`${source}: ${detail}`, key);
}

/** `~/x` → home, relative → against the config file's folder. */
export function resolvePath(path: string, baseDir: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** Validates a parsed document; paths in it are resolved against `baseDir`. */
export function parseConfig(doc: unknown, source: string, baseDir: string): AgentConfig {
  const result = configSchema.safeParse(doc ?? {});
  if (!result.success) throw toConfigError(source, result.error.issues);
  const config = result.data;
  config.ssh.privateKeyPath = resolvePath(config.ssh.privateKeyPath, baseDir);
  config.ssh.knownHostsPath = resolvePath(config.ssh.knownHostsPath, baseDir);
  config.state.dir = resolvePath(config.state.dir, baseDir);
  config.plugins = config.plugins.map((plugin) => resolvePath(plugin, baseDir));
  if (!Array.isArray(config.nodes) && typeof config.nodes.manifest === 'string')
    config.nodes.manifest = resolvePath(config.nodes.manifest, baseDir);
  resolveEndpointPaths(config.endpoint, (path) => resolvePath(path, baseDir));
  return config;
}

export async function loadConfig(file: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT')
      throw new OperatorError('DYNSLICE_CONFIG_MISSING', file, 'cannot read the configuration: no such file', { file });
    throw new ConfigError(`${file}: cannot read the configuration (${(error as Error).message})`, null);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message : String(error);
    throw new ConfigError(`${file}: not valid YAML: ${detail}`, null);
  }
  return parseConfig(doc, file, dirname(resolve(file)));
}
