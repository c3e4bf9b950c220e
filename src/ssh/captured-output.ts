import { REMOTE_PID_MARKER } from './shell-quote.js';

const MARKER = Buffer.from(REMOTE_PID_MARKER, 'latin1');
/** Login shells may print to stderr before the wrapper runs; the marker is looked for this far. */
const SCAN_LIMIT = 4096;

/** Keeps the first `maxBytes` of a stream and counts what it dropped. */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  dropped = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    const room = this.maxBytes - this.kept;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const head = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(head);
    this.kept += head.length;
    this.dropped += chunk.length - head.length;
  }

  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `${body}\n[dynslice: output truncated, ${this.dropped} bytes dropped]` : body;
  }
}

/**
 * Remote stderr carrying the wrapper's pid marker line (normally first, but login-shell noise may
 * come before it): the marker is parsed and stripped, everything else goes to the capped output.
 */
export class PidMarkedStderr {
  readonly output: CappedOutput;
  pid: number | undefined;
  private pending: Buffer | null = Buffer.alloc(0);
  private readonly pidListeners: Array<(pid: number | undefined) => void> = [];

  constructor(maxBytes: number) {
    this.output = new CappedOutput(maxBytes);
  }

  push(chunk: Buffer): void {
    if (this.pending === null) {
      this.output.push(chunk);
      return;
    }
    const buf = Buffer.concat([this.pending, chunk]);
    const at = markerLineStart(buf);
    const newline = at === -1 ? -1 : buf.indexOf(0x0a, at);
    if (newline !== -1) {
      const pid = Number.parseInt(buf.subarray(at + MARKER.length, newline).toString('latin1'), 10);
      const rest = Buffer.concat([buf.subarray(0, at), buf.subarray(newline + 1)]);
      this.settle(Number.isSafeInteger(pid) && pid > 1 ? pid : undefined, rest);
    } else if (buf.length > SCAN_LIMIT) {
      this.settle(undefined, buf);
    } else {
      this.pending = buf;
    }
  }

  /** The stream ended: whatever was held back is ordinary output. */
  end(): void {
    if (this.pending !== null) this.settle(undefined, this.pending);
  }

  /** Resolves with the remote pid once known, or undefined if it is not announced within `ms`. */
  waitForPid(ms: number): Promise<number | undefined> {
    if (this.pending === null) return Promise.resolve(this.pid);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.pid), ms);
      this.pidListeners.push((pid) => {
        clearTimeout(timer);
        resolve(pid);
      });
    });
  }

  private settle(pid: number | undefined, rest: Buffer): void {
    this.pending = null;
    this.pid = pid;
    if (rest.length > 0) this.output.push(rest);
    for (const listener of this.pidListeners.splice(0)) listener(pid);
  }
}

function markerLineStart(buf: Buffer): number {
  for (let from = 0; ; ) {
    const at = buf.indexOf(MARKER, from);
    if (at <= 0 || buf[at - 1] === 0x0a) return at;
    from = at + 1;
  }
}
