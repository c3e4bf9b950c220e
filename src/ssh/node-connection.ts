import { NodeSSH } from 'node-ssh';
import type { Logger } from 'pino';
import { type Actor, type ActorOptions, createActor, fromCallback, fromPromise, waitFor } from 'xstate';
import {
  type ConnectFailure,
  type SshConnectionMachine,
  sshConnectionMachine,
} from '../../machines/ssh-connection.machine.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { connectConfig } from './connect-config.js';
import { unreachableResult } from './connect-failure.js';
import type { HostKeyCheck, HostKeyDecision } from './host-key-policy.js';
import type { Aborted, Disconnected, SshTarget, Unreachable } from './runner-types.js';
import { aborted, disconnected, unreachable } from './runner-types.js';
import { RunningCommands } from './running-commands.js';

/** xstate's timer source for the back-off and reopen waits: the system clock, or a SimulatedClock in tests. */
export type ConnectionClock = NonNullable<ActorOptions<SshConnectionMachine>['clock']>;

/** What every connection of a runner shares. */
export interface ConnectionDeps {
  connectLimit: ConcurrencyLimit;
  maxChannels: number;
  connectTimeoutMs: number;
  retries: number;
  backoffMs: number;
  rewarmMs: number;
  loadPrivateKey: () => Promise<string>;
  prepareHostKey: (host: string, port: number) => Promise<HostKeyCheck>;
  onConnected: () => void;
  clock?: ConnectionClock;
}

/** One node's connection: its chart (machines/ssh-connection.machine.ts) run with the effects on ssh2. */
export class NodeConnection {
  readonly actor: Actor<SshConnectionMachine>;
  readonly targetKey: string;
  /** Commands in flight on the node; below sshd's MaxSessions so an abort's kill channel fits. */
  readonly channels: ConcurrencyLimit;
  /** Stopped on the node before the connection is closed. */
  readonly commands = new RunningCommands();
  readonly log: Logger;
  /** The client of the latest handshake. */
  ssh = new NodeSSH();
  private handshakeInFlight: Promise<unknown> = Promise.resolve();
  private slot: (() => void) | undefined;

  /** `keptOpen`: reopened when it drops (the chart holds it: KEEP_OPEN, STOP_KEEPING). */
  constructor(
    readonly target: SshTarget,
    private readonly deps: ConnectionDeps,
    logger: Logger,
    keptOpen = false,
  ) {
    this.targetKey = targetKeyOf(target);
    this.channels = new ConcurrencyLimit(deps.maxChannels);
    this.log = logger.child({ nodeId: target.nodeId, host: target.host, port: target.port });
    const machine = sshConnectionMachine.provide({
      actors: {
        awaitSlot: fromPromise(async ({ signal }) => {
          this.slot = (await deps.connectLimit.acquire(signal)) ?? undefined;
        }),
        handshake: fromPromise(async () => {
          const attempt = this.handshake();
          this.handshakeInFlight = attempt;
          return attempt;
        }),
        watchConnection: fromCallback(({ sendBack }) => this.watchClose(() => sendBack({ type: 'DROPPED' }))),
        closeConnection: fromPromise(async ({ input }) => this.stopAndClose(input.reason)),
      },
      actions: {
        releaseSlot: () => {
          this.slot?.();
          this.slot = undefined;
        },
      },
    });
    const { retries, backoffMs, rewarmMs } = deps;
    const input = { nodeId: target.nodeId, retries, backoffMs, rewarmMs, keptOpen };
    // An explicit `clock: undefined` would replace xstate's system clock.
    this.actor = createActor(machine, deps.clock ? { input, clock: deps.clock } : { input });
    this.actor.subscribe({ error: (err) => this.log.error({ err }, 'ssh connection chart failed') });
  }

  get isOpen(): boolean {
    return this.actor.getSnapshot().matches('open');
  }

  get isClosing(): boolean {
    return this.actor.getSnapshot().matches('closing');
  }

  /** Ended (unreachable or closed): the node's next command needs a new connection. */
  get hasEnded(): boolean {
    return this.actor.getSnapshot().status !== 'active';
  }

  /** Reopened when it drops; a connection that ended unreachable passes it on to the node's next one. */
  get keptOpen(): boolean {
    const snapshot = this.actor.getSnapshot();
    return snapshot.status === 'done' ? snapshot.output.keptOpen : snapshot.context.keptOpen;
  }

  /**
   * Resolves null once the connection is open, or with why it will not be: the node unreachable, or
   * the connection closing (its commands are being stopped, this one with them).
   */
  async ready(): Promise<Unreachable | Aborted | Disconnected | null> {
    const settled = await waitFor(
      this.actor,
      (s) => s.matches('open') || s.matches('closing') || s.status !== 'active',
    );
    if (settled.matches('open')) return null;
    // The chart holds the failure (the last handshake's), in one place.
    const { failure } = settled.context;
    const unreached = failure && unreachable(failure.reason, failure.detail);
    if (settled.matches('closing')) return unreached ?? aborted('aborted before the command started');
    return unreached ?? disconnected('connection closed');
  }

  /** Resolves once the connection has ended (closed, or the node unreachable). */
  async ended(): Promise<void> {
    await waitFor(this.actor, (s) => s.status !== 'active');
  }

  private async handshake(): Promise<ConnectFailure | null> {
    const { target, log } = this;
    const ssh = new NodeSSH();
    this.ssh = ssh;
    let decision: HostKeyDecision | undefined;
    const started = Date.now();
    try {
      const hostKey = this.deps.prepareHostKey(target.host, target.port);
      const [key, check] = await Promise.all([this.deps.loadPrivateKey(), hostKey]);
      const config = connectConfig(target, key, check, this.deps.connectTimeoutMs, (d) => (decision = d));
      const connecting = ssh.connect(config);
      // ssh2 emits 'error' on the client after connect too; without a listener it would crash the daemon.
      ssh.connection?.on('error', (err: Error & { level?: string }) => {
        if (this.ssh === ssh && this.isOpen) log.warn({ err, level: err.level }, 'ssh connection error');
      });
      await connecting;
      this.deps.onConnected();
      log.info({ ms: Date.now() - started }, 'ssh connected');
      return null;
    } catch (err) {
      ssh.dispose();
      const result = unreachableResult(err, decision);
      log.warn({ reason: result.reason, detail: result.detail, ms: Date.now() - started }, 'ssh connect failed');
      return { reason: result.reason, detail: result.detail };
    }
  }

  /** Calls `dropped` once the open client closes; returns the listener's removal. */
  private watchClose(dropped: () => void): () => void {
    const client = this.ssh.connection;
    if (client === null) {
      dropped(); // closed between the handshake and this watch
      return () => undefined;
    }
    const onClose = (): void => {
      this.log.info('ssh connection closed');
      dropped();
    };
    client.once('close', onClose);
    return () => client.off('close', onClose);
  }

  /** Stops the connection's commands on the node (over the still open connection), then closes it. */
  private async stopAndClose(reason: string): Promise<void> {
    await this.commands.stopAll(reason);
    await this.handshakeInFlight;
    this.ssh.dispose();
  }
}

export const targetKeyOf = (target: SshTarget): string => `${target.user}@${target.host}:${target.port}`;
