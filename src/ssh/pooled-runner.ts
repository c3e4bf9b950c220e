import { raceAbort } from './bounded-wait.js';
import { type ExecHandlers, execStreaming } from './channel-exec.js';
import { type CommandHop, hopClock } from './command-hops.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { ConnectionPool } from './connection-pool.js';
import { createHostKeyPolicy } from './host-key-policy.js';
import type { NodeConnection } from './node-connection.js';
import { NodeTimeouts } from './node-timeouts.js';
import type { NodeSshRunner, NodeSshRunnerOptions } from './pooled-runner-options.js';
import { expandHome, privateKeySource } from './private-key-source.js';
import { ReadPacer } from './read-pacer.js';
import { runRemoteCommand } from './remote-command.js';
import type { RunOptions, RunResult, SshTarget } from './runner-types.js';
import { aborted, disconnected, failureWord, unreachable } from './runner-types.js';
import { buildRemoteCommand, envAssignments, InvalidEnvNameError, remoteTimeoutSeconds } from './shell-quote.js';
import { SSH_DEFAULTS } from './ssh-settings.js';

export type { NodeSshRunner, NodeSshRunnerOptions } from './pooled-runner-options.js';

/**
 * How long a kept connection that dropped waits before it is opened again. Output past what is kept
 * costs the agent ~1.5 ms of CPU per MiB read: ssh.unkeptOutputBytesPerSecond(Total) pace it (their
 * defaults, like every ssh.* default, are the schema's: ssh-settings.ts).
 */
const REWARM_MS = 2_000;

/** Runs commands over one pooled connection per node (see machines/ssh-connection.machine.ts). */
export function createNodeSshRunner(given: NodeSshRunnerOptions): NodeSshRunner {
  const options = { ...SSH_DEFAULTS, ...given };
  const logger = options.logger.child({ component: 'ssh' });
  const output = {
    keep: { headBytes: options.outputHeadBytes, tailBytes: options.outputTailBytes },
    unkeptBytesPerSecond: options.unkeptBytesPerSecond,
    unkeptTotal: new ReadPacer(options.unkeptBytesPerSecondTotal),
  };
  const hostKeys = createHostKeyPolicy({
    knownHostsPath: expandHome(options.knownHostsPath),
    checking: options.hostKeyChecking,
    logger,
  });
  const pool = new ConnectionPool(
    {
      connectLimit: new ConcurrencyLimit(options.concurrency),
      maxChannels: options.maxChannelsPerNode ?? 8,
      connectTimeoutMs: options.connectTimeoutMs,
      retries: options.connectRetries ?? 2,
      backoffMs: options.connectBackoffMs ?? 500,
      rewarmMs: options.rewarmMs ?? REWARM_MS,
      loadPrivateKey: privateKeySource(options),
      prepareHostKey: (host, port) => hostKeys.prepare(host, port),
      ...(options.clock ? { clock: options.clock } : {}),
    },
    logger,
  );
  const timeouts = new NodeTimeouts();
  let closed = false;
  const runnerClosed = (): RunResult => disconnected('runner closed');

  const execOn =
    ({ ssh }: NodeConnection) =>
    (line: string, handlers: ExecHandlers) =>
      execStreaming(ssh.connection, line, handlers);
  /** The node's `timeout`, asked on its open connection over a channel the caller holds (asked once per connection). */
  const flavourOn = (connection: NodeConnection, signal?: AbortSignal) =>
    timeouts.flavourOf(
      connection.ssh,
      execOn(connection),
      { nodeId: connection.target.nodeId, log: connection.log },
      signal,
    );

  /**
   * Once the connection is open and a channel free: the command, wrapped for the node's `timeout`,
   * and stopped on the node if the caller gives up.
   */
  function runOn(connection: NodeConnection, command: string, opts: RunOptions): Promise<RunResult> {
    const { signal, timeoutMs, env } = opts;
    const { nodeId } = connection.target;
    const onHop = options.onHop && ((hop: CommandHop, at: number) => options.onHop?.(nodeId, hop, at));
    return connection.commands.track(signal, async (stop) => {
      const failure = await raceAbort(connection.ready(), signal);
      if (failure === 'aborted') return aborted('aborted before the command started');
      if (failure) return failure;
      const release = await connection.channels.acquire(stop);
      if (!release) return aborted('aborted before the command started');
      const started = Date.now();
      const { log } = connection;
      try {
        const flavour = await flavourOn(connection, stop);
        if ('kind' in flavour) return flavour;
        onHop?.('slot', hopClock());
        const remote = buildRemoteCommand(command, env, remoteTimeoutSeconds(timeoutMs), flavour.wrapper);
        log.debug({ command, envNames: Object.keys(env ?? {}), timeoutMs }, 'ssh command started');
        const session = { exec: execOn(connection) };
        const result = await runRemoteCommand(session, remote, {
          signal: stop,
          timeoutMs,
          ...output,
          log,
          ...(onHop ? { onHop } : {}),
        });
        const ms = Date.now() - started;
        const { code, truncated } = result;
        log.debug({ code, failure: failureWord(result), truncated, ms }, 'ssh command finished');
        return result;
      } finally {
        release();
      }
    });
  }

  async function run(target: SshTarget, command: string, opts: RunOptions): Promise<RunResult> {
    if (opts.signal?.aborted) return aborted('aborted before the command started');
    if (closed) return runnerClosed();
    options.onHop?.(target.nodeId, 'handed', hopClock());
    try {
      envAssignments(opts.env);
    } catch (err) {
      if (!(err instanceof InvalidEnvNameError)) throw err;
      return unreachable('config', `invalid env name ${JSON.stringify(err.envName)}`);
    }
    const connection = await pool.open(target, opts.signal);
    if (!connection) return aborted('aborted before the command started');
    if (closed) return runnerClosed();
    return runOn(connection, command, opts);
  }

  return {
    async run(target, command, opts) {
      try {
        return await run(target, command, opts);
      } catch (err) {
        logger.error({ err, nodeId: target.nodeId }, 'ssh run failed unexpectedly');
        return disconnected(`unexpected: ${(err as Error).message}`);
      }
    },
    async warm(target) {
      if (closed) return false;
      const connection = await pool.open(target, undefined, true);
      const failure = connection ? await connection.ready() : null;
      if (failure) pool.stopKeeping(target.nodeId);
      // So that a drain's first command pays no probe either.
      else if (connection)
        await connection.channels.acquire().then((release) => flavourOn(connection).finally(() => release?.()));
      return connection !== undefined && failure === null;
    },
    release(nodeId) {
      pool.stopKeeping(nodeId);
      void pool.retire(nodeId, 'node released');
    },
    async close() {
      closed = true;
      await pool.retireAll('runner closed');
    },
    stats: () => ({ connects: pool.connects, open: pool.openCount }),
  };
}
