// The agent as `dynslice-agent run` builds it (real Store journal, real endpoint), in its own
// process so the load generator does not share its event loop. Options come as JSON in argv[2];
// it reports over the IPC channel and stops on a 'stop' message.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log/logger.js';
import { Store } from '../../src/store/store.js';
import type { AgentServerOptions, AgentServerReport } from './agent-protocol.js';
import { NoopSshRunner, type SshRunner } from './noop-runner.js';

const RUNNER_FOR = '../../src/ssh/runner-for.js';
const CREATE_RUNNER = '../../src/cli/run-command.js';
type Logger = ReturnType<typeof createLogger>;
type HopListener = (nodeId: string, hop: string, at: number) => void;
interface RunnerForModule {
  runnerFor(config: unknown, mode: 'configured', deps: { logger: Logger; onHop?: HopListener }): SshRunner;
}
interface CreateRunnerModule {
  createRunner(config: unknown, logger: Logger, key: undefined, onHop: HopListener | undefined): SshRunner;
}

const options = JSON.parse(process.argv[2] ?? '{}') as AgentServerOptions;
const report = (message: AgentServerReport): void => void process.send?.(message);

// A given state directory is the caller's (the restart bench reopens it); a fresh one is removed at stop.
const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'dynslice-bench-state-'));
const config = parseConfig(
  {
    endpoint: { maxBodyBytes: options.maxBodyBytes, maxNodesPerCall: options.maxNodesPerCall },
    ssh: { ...options.ssh, hostKeyChecking: 'yes', preconnect: options.preconnect ?? false },
    nodes: Array.from({ length: options.nodes }, (_, i) => ({
      node_id: `pc${i + 1}`,
      client_id: `node-${i + 1}`,
      host: options.host ?? '127.0.0.1',
      port: options.port,
    })),
    drain: { steps: options.steps ?? [{ name: 'stamp', run: 'true', verify: 'true' }], bestEffortSeconds: 60 },
    state: { dir: stateDir },
    log: { level: options.logLevel ?? 'info' },
  },
  'bench',
  process.cwd(),
);
// The log goes to stdout, which the bench points at /dev/null: formatting and writing it is real work.
const logger = createLogger({ level: config.log.level });
const drainedAt = new Map<string, number>();
const commandAt: number[] = [];
const hops: Array<{ nodeId: string; hop: string; at: number }> = [];
const onHop = (nodeId: string, hop: string, at: number): void => void hops.push({ nodeId, hop, at });
// The configured runner with a hop listener. Older commits (--compare) have no runnerFor, but
// createRunner(config, logger, key, onHop) in run-command.ts (the oldest ignore onHop).
type MakeRunner = (listener: typeof onHop | undefined) => SshRunner;
const makeRunner: MakeRunner = await import(RUNNER_FOR as string)
  .then(
    (m: RunnerForModule) => (listener: typeof onHop | undefined) =>
      m.runnerFor(config, 'configured', { logger, ...(listener ? { onHop: listener } : {}) }),
  )
  .catch(() =>
    import(CREATE_RUNNER as string).then(
      (m: CreateRunnerModule) => (listener: typeof onHop | undefined) =>
        m.createRunner(config, logger, undefined, listener),
    ),
  );
const store = await Store.open({ dir: stateDir, logger });
const built = performance.now();
const agent = createAgent({
  config,
  logger,
  runner: options.runner === 'noop' ? new NoopSshRunner() : makeRunner(options.reportDrains ? onHop : undefined),
  store,
  onChange: (change) => {
    if (
      options.reportDrains &&
      change.signals.some((signal) => signal.type === 'drained') &&
      !drainedAt.has(change.nodeId)
    ) {
      drainedAt.set(change.nodeId, Date.now());
      if (drainedAt.size === options.nodes)
        report({
          type: 'drains',
          drainedAt: [...drainedAt.values()],
          commandAt: commandAt.splice(0),
          hops: hops.splice(0),
        });
    }
  },
  onCommand: (event) => {
    if (options.reportDrains && event.finishedAt === undefined && event.phase === 'run')
      commandAt.push(event.startedAt);
  },
});
const buildMs = performance.now() - built;
const { port } = await agent.listen(0, '127.0.0.1');
report({
  type: 'ready',
  port,
  buildMs,
  rssBytes: process.memoryUsage().rss,
  heapBytes: process.memoryUsage().heapUsed,
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'memory')
    report({ type: 'memory', rssBytes: process.memoryUsage().rss, heapBytes: process.memoryUsage().heapUsed });
  if (message.type === 'released') {
    report({
      type: 'released',
      released: agent.slice.list().filter((node) => agent.slice.isReleased(node.nodeId)).length,
    });
  }
  if (message.type === 'preconnect') {
    void agent.slice.preconnect().then((connected) => report({ type: 'preconnected', connected }));
  }
  if (message.type === 'stop') {
    void agent
      .close()
      .then(() => store.close())
      .finally(() => {
        if (options.stateDir === undefined) rmSync(stateDir, { recursive: true, force: true });
        process.exit(0);
      });
  }
});
