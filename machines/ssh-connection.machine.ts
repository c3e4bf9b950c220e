import { assign, fromCallback, fromPromise, setup } from 'xstate';

/** Why a node could not be reached: a stable word callers branch on (never on the detail). */
export type ConnectFailureReason =
  | 'host-key-mismatch'
  | 'host-key-unknown'
  | 'auth-failed'
  | 'refused'
  | 'connect-timeout'
  | 'network'
  | 'config';

/** Why a handshake failed: its reason and what happened. */
export interface ConnectFailure {
  reason: ConnectFailureReason;
  detail: string;
}

export interface ConnectionInput {
  nodeId: string;
  /** Further handshakes after a failure that may pass. */
  retries: number;
  /** The wait before the first of them; it doubles before each next one. */
  backoffMs: number;
  /** The wait before a kept connection that dropped is opened again. */
  rewarmMs: number;
  /** Start kept open (the node's earlier connection was, and ended unreachable). */
  keptOpen?: boolean;
}

export interface ConnectionContext extends ConnectionInput {
  /** Reopen the connection when it drops (the node is to be kept connected: preconnect). */
  keptOpen: boolean;
  /** Handshakes tried since the connection was last open. */
  attempt: number;
  failure: ConnectFailure | null;
  /** This round of handshakes reopens a kept connection that dropped (no command asked for it). */
  rewarming: boolean;
  /** Why the connection is being closed, for the commands it stops. */
  closeReason: string;
}

export type ConnectionEvent =
  /** A command wants the connection now (ends the wait before a reopen). */
  | { type: 'CONNECT' }
  /** The open connection ended (the node closed it, keepalives went unanswered, a reset). */
  | { type: 'DROPPED' }
  /** Keep the connection open (reopened when it drops), or no longer. */
  | { type: 'KEEP_OPEN' }
  | { type: 'STOP_KEEPING' }
  /** Stop the node's commands and close (no longer kept): the node was released, or the runner closes. */
  | { type: 'CLOSE'; reason: string };

export interface ConnectionOutput {
  /** Why the node could not be reached; null when the connection was closed. */
  failure: ConnectFailure | null;
  rewarming: boolean;
  /** Still to be kept open: a next connection of the node starts kept (a reopen that failed is not). */
  keptOpen: boolean;
}

/** Handshake failures worth another try: sshd drops bursts past MaxStartups; a refusal or reset may pass. */
export const TRANSIENT_REASONS: readonly ConnectFailureReason[] = ['refused', 'connect-timeout', 'network'];

const failureOf = (output: unknown): ConnectFailure | null => (output as ConnectFailure | null) ?? null;

/**
 * One node's SSH connection: a handshake (retried with back-off while the failure may pass), the
 * open connection, its reopening when a kept connection drops, and its closing once the commands on
 * it have been stopped on the node. Effects (handshake, watch, close, slot) are provided by src/ssh.
 */
export const sshConnectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
    output: {} as ConnectionOutput,
  },
  actors: {
    // A place among the handshakes in flight (sshd refuses bursts); held until the connection opens or fails.
    awaitSlot: fromPromise<void>(async () => undefined),
    // One handshake: resolves null once connected, or with why not.
    handshake: fromPromise<ConnectFailure | null>(async () => null),
    // Sends DROPPED when the open connection ends.
    watchConnection: fromCallback<ConnectionEvent>(() => () => undefined),
    // Stops the commands on the node over the still open connection, then closes it.
    closeConnection: fromPromise<void, { reason: string }>(async () => undefined),
  },
  delays: {
    backoff: ({ context }) => context.backoffMs * 2 ** (context.attempt - 1),
    rewarmDelay: ({ context }) => context.rewarmMs,
  },
  guards: {
    connected: ({ event }) => failureOf((event as { output?: unknown }).output) === null,
    mayPass: ({ context, event }) => {
      const failure = failureOf((event as { output?: unknown }).output);
      return failure !== null && context.attempt <= context.retries && TRANSIENT_REASONS.includes(failure.reason);
    },
    keptOpen: ({ context }) => context.keptOpen,
  },
  actions: {
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    recordFailure: assign({ failure: ({ event }) => failureOf((event as { output?: unknown }).output) }),
    recordError: assign({
      failure: ({ event }) => {
        const error = String((event as { error?: unknown }).error);
        return { reason: 'network', detail: `handshake failed: ${error}` };
      },
    }),
    markOpen: assign({ attempt: 0, failure: null, rewarming: false }),
    markRewarming: assign({ rewarming: true }),
    recordCloseReason: assign({
      closeReason: ({ event }) => (event.type === 'CLOSE' ? event.reason : 'closed'),
      keptOpen: false,
    }),
    // A kept connection that dropped and could not be reopened is kept no more.
    forgetFailedReopen: assign({ keptOpen: ({ context }) => context.keptOpen && !context.rewarming }),
    // Provided by src/ssh: gives back the place among the handshakes in flight.
    releaseSlot: () => undefined,
  },
}).createMachine({
  id: 'sshConnection',
  description: 'One node’s SSH connection, kept open for its commands.',
  context: ({ input }) => ({
    ...input,
    keptOpen: input.keptOpen ?? false,
    attempt: 0,
    failure: null,
    rewarming: false,
    closeReason: '',
  }),
  initial: 'opening',
  output: ({ context }) => ({ failure: context.failure, rewarming: context.rewarming, keptOpen: context.keptOpen }),
  on: {
    CLOSE: { target: '.closing', actions: 'recordCloseReason' },
    KEEP_OPEN: { actions: assign({ keptOpen: true }) },
    STOP_KEEPING: { actions: assign({ keptOpen: false }) },
  },
  states: {
    opening: {
      initial: 'waitingForSlot',
      exit: 'releaseSlot',
      states: {
        waitingForSlot: {
          invoke: { id: 'slot', src: 'awaitSlot', onDone: 'handshaking' },
        },
        handshaking: {
          entry: 'countAttempt',
          invoke: {
            id: 'handshake',
            src: 'handshake',
            onDone: [
              { guard: 'connected', target: '#sshConnection.open' },
              { guard: 'mayPass', target: 'backingOff', actions: 'recordFailure' },
              { target: '#sshConnection.unreachable', actions: 'recordFailure' },
            ],
            onError: { target: '#sshConnection.unreachable', actions: 'recordError' },
          },
        },
        backingOff: {
          after: { backoff: 'handshaking' },
        },
      },
    },
    open: {
      entry: 'markOpen',
      invoke: { id: 'watch', src: 'watchConnection' },
      on: {
        DROPPED: [{ guard: 'keptOpen', target: 'waitingToReopen' }, { target: 'closed' }],
      },
    },
    waitingToReopen: {
      after: { rewarmDelay: { target: 'opening', actions: 'markRewarming' } },
      on: { CONNECT: 'opening' },
    },
    closing: {
      invoke: {
        id: 'close',
        src: 'closeConnection',
        input: ({ context }) => ({ reason: context.closeReason }),
        onDone: 'closed',
        onError: 'closed',
      },
      on: { CLOSE: {}, KEEP_OPEN: {} },
    },
    unreachable: { type: 'final', entry: 'forgetFailedReopen' },
    closed: { type: 'final' },
  },
});

export type SshConnectionMachine = typeof sshConnectionMachine;
