import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A local account: its uid and every group it is in. */
export interface Account {
  name: string;
  uid: number;
  gids: number[];
}

/** The account as `id` knows it, or null when there is no such account. */
export async function accountOf(name: string): Promise<Account | null> {
  try {
    const uid = Number((await exec('id', ['-u', '--', name])).stdout.trim());
    const gids = (await exec('id', ['-G', '--', name])).stdout.trim().split(/\s+/).map(Number);
    return { name, uid, gids };
  } catch {
    return null;
  }
}

/** Whether `bits` (4 read, 2 write, 1 search) of a file's mode are the account's, by owner, group or others. */
function granted(account: Account, info: { uid: number; gid: number; mode: number }, bits: number): boolean {
  if (account.uid === 0) return true;
  const shift = info.uid === account.uid ? 6 : account.gids.includes(info.gid) ? 3 : 0;
  return ((info.mode >> shift) & bits) === bits;
}

/**
 * Why the account could not read the file (`read`) or write in the directory (`write`; the nearest
 * one that exists, for a directory still to be made), by owners and modes, or null. Every directory
 * above must let it pass. A path that does not exist at all is not judged here (check names it).
 */
export async function accountAccessProblem(
  account: Account,
  path: string,
  want: 'read' | 'write',
): Promise<string | null> {
  let target = resolve(path);
  let info = await stat(target).catch(() => null);
  if (want === 'write')
    while (info === null && dirname(target) !== target) {
      target = dirname(target);
      info = await stat(target).catch(() => null);
    }
  if (info === null) return null;
  if (!granted(account, info, want === 'read' ? 4 : 3))
    return `${target} is not ${want === 'read' ? 'readable' : 'writable'} by ${account.name} (owner uid ${info.uid}, mode ${(info.mode & 0o777).toString(8)})`;
  for (let dir = dirname(target); ; dir = dirname(dir)) {
    const above = await stat(dir).catch(() => null);
    if (above !== null && !granted(account, above, 1))
      return `${account.name} cannot enter ${dir} (owner uid ${above.uid}, mode ${(above.mode & 0o777).toString(8)}), above ${target}`;
    if (dirname(dir) === dir) return null;
  }
}
