import { NodeSSH } from 'node-ssh';
import type { Logger } from 'pino';
import { raceAbort } from './bounded-wait.js';
import { execStreaming } from './channel-exec.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { connectConfig } from './connect-config.js';
import { unreachableResult } from './connect-failure.js';
import { createHostKeyPolicy, type HostKeyDecision } from './host-key-policy.js';
import type { NodeSshRunner, NodeSshRunnerOptions } from './node-ssh-options.js';
import { expandHome, privateKeySource } from './private-key-source.js';
import { runRemoteCommand, type ExecSession } from './remote-command.js';
import { RunningCommands } from './running-commands.js';
import { buildRemoteCommand, InvalidEnvNameError, remoteTimeoutSeconds } from './shell-quote.js';
import type { RunOptions, RunResult, SshTarget, UnreachableReason } from './ssh-runner.js';

export type { NodeSshRunner, NodeSshRunnerOptions } from './node-ssh-options.js';

/** Connect failures worth another try. */
const TRANSIENT = new Set<UnreachableReason>(['refused', 'connect-timeout', 'network']);

interface PooledConnection {
  targetKey: string;
  ssh: NodeSSH;
  state: 'connecting' | 'connected' | 'closed';
  /** Resolves to null once connected, or to the unreachable result. */
  ready: Promise<RunResult | null>;
  channels: ConcurrencyLimit;
  /** Stopped on the node before the connection is closed. */
  commands: RunningCommands;
  log: Logger;
}

const empty = { stdout: '', stderr: '' };
/** Output past what is kept costs the agent ~1.5 ms of CPU per MiB read: a flooding command is read this fast. */
const UNKEPT_BYTES_PER_SECOND = 1024 * 1024;
const REWARM_MS = 2_000;

export function createNodeSshRunner(options: NodeSshRunnerOptions): NodeSshRunner {
  const logger = options.logger.child({ component: 'ssh' });
  const output = {
    keep: { headBytes: options.outputHeadBytes ?? 64 * 1024, tailBytes: options.outputTailBytes ?? 64 * 1024 },
    unkeptBytesPerSecond: options.unkeptBytesPerSecond ?? UNKEPT_BYTES_PER_SECOND,
  };
  const connectLimit = new ConcurrencyLimit(options.concurrency ?? 32);
  const hostKeys = createHostKeyPolicy({ knownHostsPath: expandHome(options.knownHostsPath), checking: options.hostKeyChecking, logger });
  const pool = new Map<string, PooledConnection>();
  /** Nodes to keep connected: a dropped connection is reopened after REWARM_MS (once per drop). */
  const warmed = new Map<string, SshTarget>();
  /** Connections of released nodes whose commands are being stopped; the node gets no new one meanwhile. */
  const closing = new Map<string, Promise<void>>();
  const loadPrivateKey = privateKeySource(options);
  let connects = 0;
  let closed = false;

  function connection(target: SshTarget): PooledConnection {
    const targetKey = `${target.user}@${target.host}:${target.port}`;
    const pooled = pool.get(target.nodeId);
    if (pooled && pooled.targetKey === targetKey && pooled.state !== 'closed') return pooled;
    if (pooled) void stopAndClose(target.nodeId, pooled, 'node moved to another address');
    const log = logger.child({ nodeId: target.nodeId, host: target.host, port: target.port });
    const fresh: PooledConnection = {
      targetKey,
      ssh: new NodeSSH(),
      state: 'connecting',
      ready: Promise.resolve(null),
      channels: new ConcurrencyLimit(options.maxChannelsPerNode ?? 8),
      commands: new RunningCommands(),
      log,
    };
    fresh.ready = connectLimit.run(() => connect(target, fresh)).then((failure) => {
      if (failure) forget(target.nodeId, fresh);
      return failure;
    });
    pool.set(target.nodeId, fresh);
    return fresh;
  }

  /**
   * Connects, retrying with backoff when the failure may pass (refused, timed out, reset: sshd drops
   * bursts past MaxStartups); a host key or authentication failure is final at once.
   */
  async function connect(target: SshTarget, pooled: PooledConnection): Promise<RunResult | null> {
    const retries = options.connectRetries ?? 2;
    for (let attempt = 0; ; attempt += 1) {
      const failure = await connectOnce(target, pooled);
      if (!failure || attempt >= retries || !TRANSIENT.has(failure.unreachable ?? 'config')) return failure;
      await new Promise((resolve) => setTimeout(resolve, (options.connectBackoffMs ?? 500) * 2 ** attempt));
      // Released (the node was deleted) or the runner closed during the backoff: no more tries.
      if (closed || pooled.state === 'closed') return failure;
      pooled.ssh = new NodeSSH();
      pooled.state = 'connecting';
    }
  }

  async function connectOnce(target: SshTarget, pooled: PooledConnection): Promise<RunResult | null> {
    const { ssh, log } = pooled;
    let decision: HostKeyDecision | undefined;
    const started = Date.now();
    try {
      const [key, check] = await Promise.all([loadPrivateKey(), hostKeys.prepare(target.host, target.port)]);
      const readyTimeout = options.connectTimeoutMs ?? 10_000;
      const connecting = ssh.connect(connectConfig(target, key, check, readyTimeout, (d) => (decision = d)));
      watch(target.nodeId, pooled);
      await connecting;
      connects += 1;
      if (pooled.state === 'connecting') pooled.state = 'connected';
      log.info({ ms: Date.now() - started }, 'ssh connected');
      return null;
    } catch (err) {
      ssh.dispose();
      const result = unreachableResult(err, decision);
      log.warn({ reason: result.unreachable, detail: result.detail, ms: Date.now() - started }, 'ssh connect failed');
      return result;
    }
  }

  /** ssh2 emits 'error' on the client after connect too; without a listener it would crash the daemon. */
  function watch(nodeId: string, pooled: PooledConnection): void {
    const ssh = pooled.ssh;
    const client = ssh.connection;
    client?.on('error', (err: Error & { level?: string }) => {
      if (pooled.state === 'connected') pooled.log.warn({ err, level: err.level }, 'ssh connection error');
    });
    client?.once('close', () => {
      // A failed attempt: the connect loop decides whether to try again or give up (then it forgets).
      // A client replaced by a later attempt: the pooled connection is that attempt's now.
      if (pooled.state === 'connecting' || pooled.ssh !== ssh) return;
      const wasConnected = pooled.state === 'connected';
      if (wasConnected) pooled.log.info('ssh connection closed');
      forget(nodeId, pooled);
      if (wasConnected && warmed.has(nodeId)) setTimeout(() => rewarm(nodeId), REWARM_MS).unref();
    });
  }

  function forget(nodeId: string, pooled: PooledConnection): void {
    pooled.state = 'closed';
    if (pool.get(nodeId) === pooled) pool.delete(nodeId);
  }

  function session(ssh: NodeSSH): ExecSession {
    return { exec: (command, handlers) => execStreaming(ssh.connection, command, handlers) };
  }

  function rewarm(nodeId: string): void {
    const target = warmed.get(nodeId);
    if (closed || target === undefined || pool.has(nodeId)) return;
    void connection(target).ready.then((failure) => failure && warmed.delete(nodeId));
  }

  /** Stops the connection's commands on the node (over the still open connection), then closes it. */
  async function stopAndClose(nodeId: string, pooled: PooledConnection, reason: string): Promise<void> {
    forget(nodeId, pooled);
    await pooled.commands.stopAll(reason);
    await pooled.ready;
    pooled.ssh.dispose();
  }

  /** Closes the node's connection as stopAndClose does; the node gets no new connection until then. */
  function retire(nodeId: string, reason: string): Promise<void> {
    const pooled = pool.get(nodeId);
    if (!pooled) return closing.get(nodeId) ?? Promise.resolve();
    const done = stopAndClose(nodeId, pooled, reason);
    closing.set(nodeId, done);
    void done.finally(() => closing.get(nodeId) === done && closing.delete(nodeId));
    return done;
  }

  /** The node's connection, once any earlier one of it has finished closing; undefined if `signal` fires first. */
  async function openConnection(target: SshTarget, signal?: AbortSignal): Promise<PooledConnection | undefined> {
    for (let previous = closing.get(target.nodeId); previous; previous = closing.get(target.nodeId)) {
      if ((await raceAbort(previous, signal)) === 'aborted') return undefined;
    }
    return connection(target);
  }

  async function run(target: SshTarget, command: string, opts: RunOptions): Promise<RunResult> {
    const { signal, timeoutMs, env } = opts;
    const aborted: RunResult = { code: null, ...empty, failure: 'aborted', detail: 'aborted before the command started' };
    if (signal?.aborted) return aborted;
    if (closed) return { code: null, ...empty, failure: 'connection', detail: 'runner closed' };
    let remoteCommand: string;
    try {
      remoteCommand = buildRemoteCommand(command, env, remoteTimeoutSeconds(timeoutMs));
    } catch (err) {
      if (!(err instanceof InvalidEnvNameError)) throw err;
      return { code: null, ...empty, failure: 'unreachable', unreachable: 'config', detail: `invalid env name ${JSON.stringify(err.envName)}` };
    }
    const pooled = await openConnection(target, signal);
    if (!pooled) return aborted;
    if (closed) return { code: null, ...empty, failure: 'connection', detail: 'runner closed' };
    return pooled.commands.track(signal, async (stop) => {
      const failure = await raceAbort(pooled.ready, signal);
      if (failure === 'aborted') return aborted;
      if (failure) return failure;
      const release = await pooled.channels.acquire(stop);
      if (!release) return aborted;
      const started = Date.now();
      try {
        const log = pooled.log;
        log.debug({ command, envNames: Object.keys(env ?? {}), timeoutMs }, 'ssh command started');
        const result = await runRemoteCommand(session(pooled.ssh), remoteCommand, { signal: stop, timeoutMs, ...output, log });
        log.debug({ code: result.code, failure: result.failure, truncated: result.truncated, ms: Date.now() - started }, 'ssh command finished');
        return result;
      } finally {
        release();
      }
    });
  }

  return {
    async run(target, command, opts) {
      try {
        return await run(target, command, opts);
      } catch (err) {
        logger.error({ err, nodeId: target.nodeId }, 'ssh run failed unexpectedly');
        return { code: null, ...empty, failure: 'connection', detail: `unexpected: ${(err as Error).message}` };
      }
    },
    async warm(target) {
      if (closed) return false;
      warmed.set(target.nodeId, target);
      const pooled = await openConnection(target);
      const failure = pooled ? await pooled.ready : null;
      if (failure) warmed.delete(target.nodeId);
      return pooled !== undefined && failure === null;
    },
    release(nodeId) {
      warmed.delete(nodeId);
      void retire(nodeId, 'node released');
    },
    async close() {
      closed = true;
      warmed.clear();
      await Promise.all([...[...pool.keys()].map((nodeId) => retire(nodeId, 'runner closed')), ...closing.values()]);
    },
    stats: () => ({ connects, open: [...pool.values()].filter((p) => p.state === 'connected').length }),
  };
}
