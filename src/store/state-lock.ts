import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as FsExt from 'fs-ext';

export class StateLockedError extends Error {
  readonly code = 'STATE_LOCKED';
  constructor(dir: string, pid: number | null) {
    super(`${dir}: another agent${pid === null ? '' : ` (pid ${pid})`} uses this state directory`);
    this.name = 'StateLockedError';
  }
}

const LOCK_FILE = 'agent.lock';

/** flock(2) through fs-ext, loaded only when a lock is taken: commands that take none do not need the addon. */
function flock(fd: number, operation: 'exnb' | 'un'): void {
  let fsExt: typeof FsExt;
  try {
    fsExt = createRequire(import.meta.url)('fs-ext') as typeof FsExt;
  } catch (error) {
    throw new Error(
      `the state lock needs the fs-ext native addon, which did not load (run \`npm rebuild fs-ext\`): ` +
        `${(error as Error).message}`,
    );
  }
  fsExt.flockSync(fd, operation);
}

/** The pid the holder wrote, if it has written one yet: for the message only, never to decide. */
async function holderPid(file: string): Promise<number | null> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/**
 * One agent per state directory: an exclusive flock(2) on `agent.lock`, which the kernel drops when
 * its holder exits however it ends (killed, crashed, a zombie not yet reaped), so a pid left in the
 * file can neither keep a new agent out nor let two in. The file stays: a lock on a file that was
 * deleted and created again would let the next agent lock the new one beside it.
 */
export async function lockStateDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, LOCK_FILE);
  const handle = await open(file, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    flock(handle.fd, 'exnb');
  } catch (error) {
    await handle.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') throw new StateLockedError(dir, await holderPid(file));
    throw error;
  }
  await handle.truncate(0);
  await handle.write(`${process.pid}\n`, 0);
  return async () => {
    await handle.truncate(0).catch(() => undefined);
    // Closing the only descriptor drops the lock.
    await handle.close();
  };
}
