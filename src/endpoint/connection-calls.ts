import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A call is applied only if it is answered. Node reads pipelined requests ahead of the answers and
 * dispatches each one as soon as its head is parsed, and it drops the answers still queued when a
 * connection closes. So, per connection, the calls are numbered as they arrive and applied one after
 * another in that order; a refusal (403, 408, 413, 503) means nothing after it on the connection is
 * applied; an error in the HTTP stream (400, 408, 431) means nothing not yet applied is, and the
 * calls being applied are answered before the error is written and the connection closed.
 */
interface Connection {
  arrived: number;
  /** Calls numbered from here on are never applied. */
  refusedFrom: number;
  /** Calls applied whose answer has not been written (or given up) yet. */
  applying: number;
  /** Settles once every call that arrived so far is done with. */
  last: Promise<void>;
  failed: boolean;
  whenAnswered?: () => void;
  /** Run when the socket closes: the answers still queued on it are gone (see onceAnswerGone). */
  gone: Set<() => void>;
}

const connections = new WeakMap<Socket, Connection>();

function connectionOf(socket: Socket): Connection {
  let connection = connections.get(socket);
  if (connection === undefined) {
    const gone = new Set<() => void>();
    connection = { arrived: 0, refusedFrom: Infinity, applying: 0, last: Promise.resolve(), failed: false, gone };
    connections.set(socket, connection);
    socket.once('close', () => {
      for (const run of gone) run();
    });
  }
  return connection;
}

/**
 * Runs `done` once, when the answer `res` is written or given up. Node closes an answer queued behind
 * another one on its connection (pipelined requests: `res.socket` is still null) only once it gets
 * the socket: if the socket closes first, that answer never emits 'close', so the connection's close
 * counts for it.
 */
export function onceAnswerGone(res: ServerResponse, done: () => void): void {
  const socket = res.req.socket;
  if (socket.destroyed) return done();
  const { gone } = connectionOf(socket);
  const run = (): void => {
    if (!gone.delete(run)) return;
    res.off('close', run);
    done();
  };
  gone.add(run);
  res.once('close', run);
}

export interface ConnectionCall {
  /** False once a refusal or a stream error came before this call: it must not be applied. */
  readonly open: boolean;
  /** Nothing from this call on is applied on this connection. */
  refuse(): void;
  /** Resolves once every call that arrived before this one on the connection is done with. */
  waitTurn(): Promise<void>;
  /**
   * Call right before applying. False: drop the call (a refusal or stream error came first, or the
   * answer could no longer be written). True: apply it; its answer `res` is written before any
   * stream error.
   */
  beginApply(res: ServerResponse): boolean;
  /** This call is answered or dropped: the next one may take its turn. */
  done(): void;
}

/** Registers a request that just arrived on `socket` (call in the order Node dispatches them). */
export function arriveOn(socket: Socket): ConnectionCall {
  const connection = connectionOf(socket);
  const number = connection.arrived++;
  const before = connection.last;
  let release!: () => void;
  const own = new Promise<void>((resolve) => (release = resolve));
  connection.last = before.then(() => own);
  return {
    get open() {
      return number < connection.refusedFrom;
    },
    refuse() {
      connection.refusedFrom = Math.min(connection.refusedFrom, number);
    },
    waitTurn: () => before,
    beginApply(res) {
      if (number >= connection.refusedFrom || !socket.writable) return false;
      connection.applying += 1;
      onceAnswerGone(res, () => {
        connection.applying -= 1;
        if (connection.applying === 0) connection.whenAnswered?.();
      });
      return true;
    },
    done: release,
  };
}

/**
 * An error in the HTTP stream (Node's `clientError`): nothing not yet applied on the connection will
 * be; once the calls being applied are answered (or after `maxWaitMs`), `answer` is written if the
 * socket can still take it, and the connection is destroyed. Later errors on it are ignored.
 */
export function failConnection(socket: Socket, answer: string | undefined, maxWaitMs: number): void {
  const connection = connectionOf(socket);
  if (connection.failed) return;
  connection.failed = true;
  connection.refusedFrom = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  const close = (): void => {
    clearTimeout(timer);
    connection.whenAnswered = undefined;
    // Every answer of this listener is written whole (head and body in one write), so none is cut by this one.
    if (answer !== undefined && socket.writable) socket.write(answer);
    socket.destroy();
  };
  if (connection.applying === 0) return close();
  connection.whenAnswered = close;
  timer = setTimeout(close, maxWaitMs);
}
