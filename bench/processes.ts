import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentServerOptions, AgentServerReport } from './servers/agent-protocol.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const STARTUP_MS = 120_000;
/** Where tsconfig.servers.json puts the compiled servers (under the package, so `"type": "module"` applies). */
export const COMPILED = here('../node_modules/.cache/dynslice-bench/bench/servers/');

/**
 * The agent and the floor run as plain JavaScript, as the package ships them (dist/): no tsx loader
 * thread in their memory or on their CPU. Compiles them and the src they import.
 */
export function compileServers(): void {
  execFileSync(process.execPath, [here('../node_modules/typescript/bin/tsc'), '-p', here('./tsconfig.servers.json')], {
    stdio: 'inherit',
  });
}

export interface ServerProcess {
  port: number;
  stop(): Promise<void>;
}

export interface AgentProcess extends ServerProcess {
  ready: Extract<AgentServerReport, { type: 'ready' }>;
  /** Waits for the next report of this type. */
  next<T extends AgentServerReport['type']>(
    type: T,
    timeoutMs?: number,
  ): Promise<Extract<AgentServerReport, { type: T }>>;
  send(message: { type: 'memory' | 'preconnect' | 'released' }): void;
  onReport(listener: (report: AgentServerReport) => void): void;
  /** SIGKILL, as a crash or `kill -9` ends it: nothing is flushed or closed. */
  kill(): Promise<void>;
}

/** The reference endpoint: Python's SimpleXMLRPCServer stub. */
export function startPythonStub(): Promise<ServerProcess> {
  return portPrinter(spawn('python3', [here('./servers/python-stub.py')], { stdio: ['ignore', 'pipe', 'inherit'] }));
}

/** The floor: node:http with a canned reply. */
export function startBareServer(): Promise<ServerProcess> {
  return portPrinter(spawn(process.execPath, [`${COMPILED}bare-server.js`], { stdio: ['ignore', 'pipe', 'inherit'] }));
}

/** `compiled`: the directory of a compiled agent server (another commit's, for `--compare`). */
export async function startAgent(options: AgentServerOptions, compiled = COMPILED): Promise<AgentProcess> {
  const child = fork(join(compiled, 'agent-server.js'), [JSON.stringify(options)], {
    // BENCH_PROFILE_DIR=/tmp/prof npm run bench: a V8 CPU profile of each agent process, for finding what bounds it.
    execArgv: process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE_DIR] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const listeners = new Set<(report: AgentServerReport) => void>();
  child.on('message', (report: AgentServerReport) => {
    for (const listener of listeners) listener(report);
  });
  const next = <T extends AgentServerReport['type']>(type: T, timeoutMs = STARTUP_MS) =>
    new Promise<Extract<AgentServerReport, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`agent sent no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      const onExit = (): void => done(new Error(`agent exited before '${type}'`));
      const listener = (report: AgentServerReport): void => {
        if (report.type === type) done(null, report as Extract<AgentServerReport, { type: T }>);
      };
      function done(error: Error | null, report?: Extract<AgentServerReport, { type: T }>): void {
        clearTimeout(timer);
        listeners.delete(listener);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve(report!);
      }
      listeners.add(listener);
      child.once('exit', onExit);
    });
  const ready = await next('ready');
  return {
    port: ready.port,
    ready,
    next,
    send: (message) => child.send(message),
    onReport: (listener) => listeners.add(listener),
    stop: () => stopChild(child, () => child.send({ type: 'stop' })),
    kill: () => stopChild(child, () => child.kill('SIGKILL')),
  };
}

async function portPrinter(child: ChildProcess): Promise<ServerProcess> {
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('server printed no port')), STARTUP_MS);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const line = /^(\d+)\n/.exec(text);
      if (line) {
        clearTimeout(timer);
        resolve(Number(line[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before printing its port`)));
  });
  return { port, stop: () => stopChild(child, () => child.kill('SIGTERM')) };
}

/** Asks politely, then SIGKILLs after 10 s: no server outlives the bench. */
async function stopChild(child: ChildProcess, ask: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  ask();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
