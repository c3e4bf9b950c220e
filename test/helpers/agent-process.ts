import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCli } from './cli-process.js';

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

export { BIN } from './cli-process.js';

/** Runs the built CLI (`bin/dynslice-agent.js`) as users do, with a config written to `dir`. */
export async function startAgentProcess(dir: string, config: Record<string, unknown>): Promise<AgentProcess> {
  const started = await launchAgentProcess(dir, config);
  if ('agent' in started) return started.agent;
  throw new Error(`the agent exited with ${started.code} before it listened:\n${started.stderr}`);
}

/** Like startAgentProcess, but an agent that exits before it listens resolves with its exit code and stderr. */
export async function launchAgentProcess(
  dir: string,
  config: Record<string, unknown>,
): Promise<{ agent: AgentProcess } | { code: number | null; stderr: string }> {
  const file = join(dir, 'agent.yaml');
  await writeFile(file, stringify(config));
  const run = startCli(['run', '-c', file]);
  const { child, exited } = run;
  // The log: one JSON line each, parsed as output arrives (after the run's own listener has kept it).
  const lines: LogLine[] = [];
  let parsed = 0;
  const parseNew = (): void => {
    const text = run.stdout();
    let end: number;
    while ((end = text.indexOf('\n', parsed)) !== -1) {
      const part = text.slice(parsed, end);
      parsed = end + 1;
      if (part.trim()) lines.push(JSON.parse(part) as LogLine);
    }
  };
  child.stdout!.on('data', parseNew);
  const waitFor = (predicate: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    run.waitUntil(
      () => {
        parseNew();
        return lines.find(predicate);
      },
      timeoutMs,
      'matching agent log line',
    );

  let listening: LogLine;
  try {
    // Generous: a loaded 2-core machine has taken more than 15 s to start an agent.
    listening = await waitFor((l) => l.msg === 'endpoint listening', 30_000);
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) {
      // Still starting after the wait: it must not outlive the test that gave up on it.
      child.kill('SIGKILL');
      await exited;
      throw error;
    }
    return { code: await exited, stderr: run.stderr() };
  }
  const agent: AgentProcess = {
    url: String(listening.url),
    port: Number(listening.port),
    lines,
    stderr: run.stderr,
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
  return { agent };
}
