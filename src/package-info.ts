import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'dynslice-agent';

/**
 * The folder of this install's package.json: the same from `src/` (tsx) and from `dist/src/` (built),
 * in the repository and in an `npm install -g` prefix.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = readManifest(dir);
    if (manifest?.name === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${PACKAGE_NAME}: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

function readManifest(dir: string): { name?: string; version?: string } | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
  } catch {
    return null;
  }
}

/** The version in package.json, as `--version` prints it. */
export function packageVersion(): string {
  return readManifest(packageRoot())?.version ?? 'unknown';
}
