import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The built CLI, as `npm start` and users run it (rebuild with `npm run build` first). */
export const BIN = join(import.meta.dirname, '../../bin/dynslice-agent.js');

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or stderr) matches, rejects after `ms` or when the process exits first. */
  waitFor(pattern: RegExp, ms: number, stream?: 'stdout' | 'stderr'): Promise<void>;
  /**
   * Resolves with what `probe` finds, asked again whenever output arrives; rejects after `ms` or
   * when the process exits first, saying it waited for `what`.
   */
  waitUntil<T>(probe: () => T | undefined, ms: number, what: string): Promise<T>;
  exited: Promise<number | null>;
}

const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

/** Where the CLI runs: its working directory and environment (default: the test's). */
export interface CliPlace {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function startCli(args: string[], place: CliPlace = {}, command: string[] = [process.execPath, BIN]): CliRun {
  const [file, ...before] = command as [string, ...string[]];
  const child = spawn(file, [...before, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: place.cwd,
    env: place.env,
  });
  started.add(child);
  const text = { stdout: '', stderr: '' };
  const wake = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    text.stdout += chunk;
    for (const w of wake) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    text.stderr += chunk;
    for (const w of wake) w();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      started.delete(child);
      resolve(code);
    }),
  );
  function waitUntil<T>(probe: () => T | undefined, ms: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found === undefined) return;
        clearTimeout(timer);
        wake.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        wake.delete(check);
        reject(new Error(`no ${what} within ${ms} ms:\n${text.stdout}\n${text.stderr}`));
      }, ms);
      wake.add(check);
      void exited.then(() => {
        check();
        if (wake.has(check)) {
          clearTimeout(timer);
          wake.delete(check);
          reject(new Error(`exited before ${what}:\n${text.stdout}\n${text.stderr}`));
        }
      });
      check();
    });
  }
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    waitUntil,
    async waitFor(pattern, ms, stream = 'stdout') {
      await waitUntil(() => (pattern.test(text[stream]) ? true : undefined), ms, `${pattern} on ${stream}`);
    },
  };
}

/** Runs the CLI to its end; kills it after `timeoutMs`. */
export async function runCli(
  args: string[],
  timeoutMs = 60_000,
  place: CliPlace = {},
  command?: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const run = startCli(args, place, command);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, stdout: run.stdout(), stderr: run.stderr(), ms: Date.now() - t0 };
}

/** Puts `dynslice-agent` into `binDir` as a global install does: the built CLI under this node. */
export async function writeCliOnPath(binDir: string): Promise<void> {
  const path = join(binDir, 'dynslice-agent');
  await writeFile(path, `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  await chmod(path, 0o755);
}
