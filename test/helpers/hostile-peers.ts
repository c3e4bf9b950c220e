import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export interface HostilePeersOptions {
  port: number;
  /** Speak TLS: slow senders handshake first; idle connections never start the handshake. */
  tls: boolean;
  /** The attackers' loopback source address. */
  localAddress: string;
  slowSenders: number;
  idleConnections: number;
  /** POST path of the slow senders. */
  path: string;
}

export interface HostilePeersCounts {
  connects: number;
  /**
   * Connections open right now as the attackers see them: this includes handshakes the kernel
   * completed while the agent's accept queue was full, which the agent never saw.
   */
  open: number;
  /** Connections the agent closed having answered nothing (refused as it accepted them, or dropped). */
  closedUnanswered: number;
  /** Answers by status, e.g. `{ 408: 12, 503: 4000 }`. */
  answers: Record<number, number>;
}

const SLOW_BYTE_EVERY_MS = 2000;
const RECONNECT_SLOW_MS = 200;
const RECONNECT_IDLE_MS = 2000;
const OPEN_PER_TICK = 250;
const TICK_MS = 50;

/**
 * Hostile peers on loopback, until `stop()`: slow senders (a body byte every 2 s, reconnecting when
 * cut) and idle connections that send nothing (reconnecting 2 s after the agent closes them).
 * Every loop ends at `stop()`, which destroys every socket.
 */
export class HostilePeers {
  private stopped = false;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly counts: HostilePeersCounts = { connects: 0, open: 0, closedUnanswered: 0, answers: {} };

  constructor(private readonly options: HostilePeersOptions) {}

  /** Opens the idle connections in batches (so the accept queue is not flooded at once) and starts the slow senders. */
  start(): void {
    for (let i = 0; i < this.options.slowSenders; i += 1) this.slowSender();
    let opened = 0;
    const batch = (): void => {
      for (let i = 0; i < OPEN_PER_TICK && opened < this.options.idleConnections; i += 1, opened += 1) this.idle();
      if (opened < this.options.idleConnections) this.later(batch, TICK_MS);
    };
    batch();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
  }

  private later(action: () => void, ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) action();
    }, ms);
    this.timers.add(timer);
  }

  /** A connection from the attackers' address (TLS on top if `tls`); `onClose` runs once it is gone. */
  private open(tls: boolean, onReady: (socket: Socket) => void, onClose: () => void): void {
    const { port, localAddress } = this.options;
    const tcp = connect({ port, host: '127.0.0.1', localAddress });
    this.counts.connects += 1;
    let received = '';
    let opened = false;
    tcp.once('connect', () => {
      opened = true;
      this.counts.open += 1;
    });
    const socket = tls ? connectTls({ socket: tcp, rejectUnauthorized: false }) : tcp;
    for (const s of new Set([tcp, socket])) {
      this.sockets.add(s);
      s.on('error', () => {});
    }
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    tcp.once('close', () => {
      this.sockets.delete(tcp);
      this.sockets.delete(socket);
      if (opened) this.counts.open -= 1;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1];
      if (status === undefined) this.counts.closedUnanswered += 1;
      else this.counts.answers[Number(status)] = (this.counts.answers[Number(status)] ?? 0) + 1;
      onClose();
    });
    socket.once(tls ? 'secureConnect' : 'connect', () => onReady(socket));
  }

  private slowSender(): void {
    let timer: NodeJS.Timeout | undefined;
    this.open(
      this.options.tls,
      (socket) => {
        socket.write(
          `POST ${this.options.path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n`,
        );
        timer = setInterval(() => socket.write(' '), SLOW_BYTE_EVERY_MS);
      },
      () => {
        clearInterval(timer);
        this.later(() => this.slowSender(), RECONNECT_SLOW_MS);
      },
    );
  }

  /** Sends nothing; against TLS, that is a handshake that never starts. */
  private idle(): void {
    this.open(
      false,
      () => {},
      () => this.later(() => this.idle(), RECONNECT_IDLE_MS),
    );
  }
}
