import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { killGroup } from './ssh2-exec-server.js';

/**
 * The work an emulated node does: count work units into `progress` until TERM, then take
 * CHECKPOINT_SECONDS to save the count to `checkpoint` and exit. A job that never hears TERM ends
 * by itself after MAX_UNITS, so a killed demo leaves nothing running for long.
 */
const JOB_SCRIPT = `#!/bin/sh
echo $$ > job.pid
n=0
stop=0
trap 'stop=1' TERM
while [ "$stop" -eq 0 ] && [ "$n" -lt "$MAX_UNITS" ]; do
  n=$((n + 1))
  echo "$n" > progress
  sleep 0.2
done
sleep "$CHECKPOINT_SECONDS"
echo "$n" > checkpoint
`;

const MAX_UNITS = 9000; // 30 minutes of 0.2 s units

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

/** The demo's drain step: ask the job to checkpoint, verified by the checkpoint and the job's exit. */
export const JOB_DRAIN_STEP = {
  name: 'checkpoint-job',
  run: 'kill -TERM "$(cat job.pid)"',
  // Gone means no /proc entry: a `kill -0` refused for any other reason must not read as "exited".
  verify: 'test -s checkpoint && pid=$(cat job.pid) && [ -n "$pid" ] && [ ! -e "/proc/$pid" ]',
  timeoutSeconds: 10,
  verifyAttempts: 40,
  verifyIntervalSeconds: 0.5,
};

export interface NodeJob {
  readonly dir: string;
  /** Work units done so far, and the count saved by the checkpoint (null before one). */
  state(): Promise<{ progress: number; checkpoint: number | null; running: boolean }>;
  kill(): void;
}

const readCount = async (file: string): Promise<number | null> => {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null || text.trim() === '' ? null : Number(text.trim());
};

/** Starts the job in `dir`; it runs until its drain step asks it to stop. */
export async function startNodeJob(dir: string, checkpointSeconds: number): Promise<NodeJob> {
  await writeFile(join(dir, 'job.sh'), JOB_SCRIPT, { mode: 0o755 });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    CHECKPOINT_SECONDS: String(checkpointSeconds),
    MAX_UNITS: String(MAX_UNITS),
  };
  const child: ChildProcess = spawn('sh', ['job.sh'], { cwd: dir, env, detached: true, stdio: 'ignore' });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return {
    dir,
    async state() {
      const running = child.exitCode === null && child.signalCode === null;
      return {
        progress: (await readCount(join(dir, 'progress'))) ?? 0,
        checkpoint: await readCount(join(dir, 'checkpoint')),
        running,
      };
    },
    kill: () => killGroup(child, 'SIGKILL'),
  };
}
