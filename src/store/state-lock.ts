import { open, readFile, unlink } from 'node:fs/promises';

export class StateLockedError extends Error {
  readonly code = 'STATE_LOCKED';
  constructor(file: string, pid: number) {
    super(`${file}: another agent (pid ${pid}) uses this state directory`);
    this.name = 'StateLockedError';
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** One agent per state directory; a lock left by a killed agent is taken over. */
export async function lockStateDir(file: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(file).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid > 0 && alive(pid)) throw new StateLockedError(file, pid);
      await unlink(file).catch(() => undefined);
    }
  }
  throw new Error(`${file}: cannot take the state lock`);
}
