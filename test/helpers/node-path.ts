import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** sshd's PATH for sessions (OpenSSH's _PATH_STDPATH on Debian). */
export const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A PATH on which the named programs are missing and everything else is there: one directory of
 * links to every program of the standard PATH but those. Nothing on the system changes.
 */
export function pathWithout(hidden: readonly string[], dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const source of STANDARD_PATH.split(':')) {
    if (!existsSync(source)) continue;
    for (const name of readdirSync(source)) {
      if (hidden.includes(name) || existsSync(join(dir, name))) continue;
      symlinkSync(join(source, name), join(dir, name));
    }
  }
  return dir;
}

/** The stand-ins of test/drain/node-stubs copied to `dir` (with an empty `state/` beside them), first on the PATH. */
export function pathWithStubs(dir: string): { path: string; state: string } {
  cpSync(join(import.meta.dirname, '../drain/node-stubs'), dir, { recursive: true });
  const state = join(dir, 'state');
  mkdirSync(state, { recursive: true });
  return { path: `${dir}:${STANDARD_PATH}`, state };
}
