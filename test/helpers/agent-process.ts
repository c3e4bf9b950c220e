import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

export interface AgentProcess {
  url: string;
  port: number;
  lines: LogLine[];
  stderr: () => string;
  /** Resolves with the first log line that matches, or rejects after `timeoutMs`. */
  waitFor(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash at this very moment. */
  kill(): Promise<void>;
  child: ChildProcess;
}

export const BIN = join(import.meta.dirname, '../../bin/dynslice-agent.js');

/** Runs the built CLI (`bin/dynslice-agent.js`) as users do, with a config written to `dir`. */
export async function startAgentProcess(dir: string, config: Record<string, unknown>): Promise<AgentProcess> {
  const file = join(dir, 'agent.yaml');
  await writeFile(file, stringify(config));
  const child = spawn(process.execPath, [BIN, 'run', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let errText = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as LogLine);
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (errText += chunk.toString()));
  // Should the test process end first, the agent goes with it; once the agent is gone, nothing to do.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );

  const waitFor = (predicate: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = lines.find(predicate);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching agent log line in ${timeoutMs} ms; stderr: ${errText}`));
      }, timeoutMs);
      waiters.add(check);
      void exited.then(() => {
        check();
        if (waiters.has(check)) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`agent exited; stderr: ${errText}`));
        }
      });
      check();
    });

  const listening = await waitFor((l) => l.msg === 'endpoint listening');
  return {
    url: String(listening.url),
    port: Number(listening.port),
    lines,
    stderr: () => errText,
    waitFor,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
