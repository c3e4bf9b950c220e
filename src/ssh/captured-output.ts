import { REMOTE_PID_MARKER } from './shell-quote.js';
import { TailRing } from './tail-ring.js';

const MARKER = Buffer.from(REMOTE_PID_MARKER, 'latin1');
/** Login shells may print to stderr before the wrapper runs; the marker is looked for this far. */
const SCAN_LIMIT = 4096;

/** How much of each stream a command's result keeps: its first and its last bytes. */
export interface OutputKeep {
  headBytes: number;
  tailBytes: number;
}

/**
 * Keeps the first `headBytes` and the last `tailBytes` of a stream and counts what it dropped in
 * between: memory stays at head + tail whatever the stream's length.
 */
export class CappedOutput {
  private readonly head: Buffer[] = [];
  private headKept = 0;
  private readonly tail: TailRing;
  private total = 0;

  constructor(private readonly keep: OutputKeep) {
    this.tail = new TailRing(keep.tailBytes);
  }

  /** Bytes neither in the head nor in the tail. */
  get dropped(): number {
    return this.total - this.headKept - this.tail.length;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const room = this.keep.headBytes - this.headKept;
    if (room > 0) {
      // Copied: a chunk may be a view into a larger buffer that must not stay alive.
      const head = Buffer.from(chunk.subarray(0, room));
      this.head.push(head);
      this.headKept += head.length;
      if (chunk.length <= room) return;
      chunk = chunk.subarray(room);
    }
    this.tail.push(chunk);
  }

  text(): string {
    const head = Buffer.concat(this.head);
    const dropped = this.dropped;
    if (dropped === 0) return Buffer.concat([head, this.tail.bytes()]).toString('utf8');
    const tail = this.tail.bytes();
    // Cut where a UTF-8 character is cut, so neither side shows a replacement character.
    return (
      `${head.subarray(0, completeUtf8Length(head)).toString('utf8')}\n[dynslice: output truncated, ` +
      `${dropped} bytes dropped]\n${tail.subarray(leadingContinuationBytes(tail)).toString('utf8')}`
    );
  }
}

/** Bytes of `bytes` up to its last whole UTF-8 character. */
function completeUtf8Length(bytes: Buffer): number {
  let lead = bytes.length - 1;
  while (lead > bytes.length - 4 && lead >= 0 && (bytes[lead]! & 0xc0) === 0x80) lead -= 1;
  if (lead < 0) return bytes.length;
  const first = bytes[lead]!;
  const width = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  return bytes.length - lead < width ? lead : bytes.length;
}

/** Bytes at the start of `bytes` that continue a character begun before it (at most 3). */
function leadingContinuationBytes(bytes: Buffer): number {
  let start = 0;
  while (start < Math.min(3, bytes.length) && (bytes[start]! & 0xc0) === 0x80) start += 1;
  return start;
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

  constructor(keep: OutputKeep) {
    this.output = new CappedOutput(keep);
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

/** At most `maxChars` of a command's output for a one-line detail: its start … its end, where the cause usually is. */
export function outputExcerpt(text: string, maxChars = 200): string {
  const trimmed = text.trim();
  if (trimmed.length <= maxChars) return trimmed;
  const side = Math.floor((maxChars - 3) / 2);
  return `${trimmed.slice(0, side)} … ${trimmed.slice(trimmed.length - side)}`;
}
