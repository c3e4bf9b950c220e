import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRemoteCommand, REMOTE_RAN_MARKER } from '../../src/ssh/shell-quote.js';
import { killMatching, uniqueSleep, waitForPids } from '../helpers/local-processes.js';

const busybox = spawnSync('which', ['busybox'], { encoding: 'utf8' }).stdout.trim();
const scratch = mkdtempSync(join(tmpdir(), 'dynslice-sh-timer-'));
/** A PATH whose `sh` is BusyBox's ash, when BusyBox is installed. */
const ashPath = (): string => {
  symlinkSync(busybox, join(scratch, 'sh'));
  return `${scratch}:${process.env.PATH}`;
};
const SHELLS: Array<[string, string]> = [['dash', process.env.PATH ?? '']];
if (busybox !== '') SHELLS.push(['busybox ash', ashPath()]);
const sleepers: string[] = [];
afterAll(() => {
  for (const sleeper of sleepers) killMatching(sleeper);
  rmSync(scratch, { recursive: true, force: true });
});

const wrapped = (command: string, seconds: number) =>
  buildRemoteCommand(command, { GREETING: 'hi' }, seconds, 'sh-timer');
const sleeper = (): string => {
  const duration = uniqueSleep(60);
  sleepers.push(duration);
  return `sleep ${duration}`;
};

/** Runs the wrapper as sshd runs a session's command: `sh -c TEXT`, in a session of its own. */
function runInSession(text: string, path: string) {
  const started = performance.now();
  const run = spawnSync('setsid', ['-w', 'sh', '-c', text], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, PATH: path },
  });
  return {
    status: run.status,
    signal: run.signal,
    stdout: run.stdout,
    stderr: run.stderr,
    ms: performance.now() - started,
  };
}

describe.each(SHELLS)('the sh timer under %s (nodes without a timeout -k)', (_, path) => {
  it("passes the command's status, output and environment through", () => {
    const run = runInSession(wrapped('echo "$GREETING"; echo err >&2; exit 7', 10), path);
    expect([run.status, run.stdout]).toEqual([7, 'hi\n']);
    expect(run.stderr).toMatch(new RegExp(`^\\x1edynslice-pid:\\d+\\n${REMOTE_RAN_MARKER}\\nerr\\n$`));
    expect(run.ms).toBeLessThan(2_000);
  });

  it('ends it at its deadline with 124, and with it every process of its group', async () => {
    const sleep = sleeper();
    const run = runInSession(wrapped(`${sleep} & ${sleep}; echo never`, 1), path);
    expect([run.status, run.stdout]).toEqual([124, '']);
    expect(run.ms).toBeGreaterThan(900);
    expect(run.ms).toBeLessThan(4_000);
    expect(await waitForPids(sleep, false, 2_000, true)).toBe(true);
  });

  it('sends KILL 5 s after TERM to a command that ignores TERM', async () => {
    const sleep = sleeper();
    const run = runInSession(wrapped(`trap "" TERM; ${sleep}`, 1), path);
    // KILL reaches the wrapper's shell too: sshd would report the signal, read as 137.
    expect(run.signal ?? run.status).toMatch(/SIGKILL|137/);
    expect(run.ms).toBeGreaterThan(5_500);
    expect(await waitForPids(sleep, false, 2_000, true)).toBe(true);
  }, 20_000);

  it('stops the whole group when its pid gets TERM (an abort), with 124', async () => {
    const sleep = sleeper();
    const child = spawn('setsid', ['-w', 'sh', '-c', wrapped(`${sleep} & ${sleep}`, 60)], {
      env: { ...process.env, PATH: path },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('latin1')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await expect.poll(() => stderr.includes(REMOTE_RAN_MARKER)).toBe(true);
    expect(await waitForPids(sleep, true, 2_000, true)).toBe(true);
    process.kill(Number(/dynslice-pid:(\d+)/.exec(stderr)![1]), 'SIGTERM');
    expect(await exited).toBe(124);
    expect(await waitForPids(sleep, false, 2_000, true)).toBe(true);
  });

  it('runs nothing outside a process group of its own, where a group kill would hit others', () => {
    const run = spawnSync('sh', ['-c', wrapped('echo ran', 10)], {
      encoding: 'utf8',
      env: { ...process.env, PATH: path },
    });
    expect([run.status, run.stdout]).toEqual([125, '']);
    expect(run.stderr).toContain('not a process group leader');
    expect(run.stderr).not.toContain(REMOTE_RAN_MARKER);
  });
});
