import { REMOTE_PID_MARKER, REMOTE_RAN_MARKER } from './shell-quote.js';
import { TailRing } from './tail-ring.js';

const PID_MARKER = Buffer.from(REMOTE_PID_MARKER, 'latin1');
const RAN_MARKER = Buffer.from(REMOTE_RAN_MARKER, 'latin1');
/** Login shells (or `timeout`) may print to stderr before a marker; each is looked for this far. */
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
 * Remote stderr carrying the wrapper's two marker lines (see buildRemoteCommand): the pid of
 * `timeout` (normally first, but login-shell noise may come before it), then the line the shell
 * `timeout` started prints before the command, which proves the command itself ran. Both are parsed
 * and stripped; everything else goes to the capped output.
 */
export class PidMarkedStderr {
  readonly output: CappedOutput;
  pid: number | undefined;
  /** The command itself started (its shell printed the ran marker): its status is its own. */
  ran = false;
  private phase: 'pid' | 'ran' | 'done' = 'pid';
  private pending: Buffer = Buffer.alloc(0);
  private readonly pidListeners: Array<(pid: number | undefined) => void> = [];

  /** `onMarker` hears each marker as it is read (the command-hop trace). */
  constructor(
    keep: OutputKeep,
    private readonly onMarker?: (marker: 'wrapper' | 'ran') => void,
  ) {
    this.output = new CappedOutput(keep);
  }

  push(chunk: Buffer): void {
    if (this.phase === 'done') {
      this.output.push(chunk);
      return;
    }
    this.pending = Buffer.concat([this.pending, chunk]);
    this.scan();
  }

  /** The stream ended: whatever was held back is ordinary output. */
  end(): void {
    if (this.phase === 'pid') this.settlePid(undefined);
    this.flush();
  }

  /** Resolves with the remote pid once known, or undefined if it is not announced within `ms`. */
  waitForPid(ms: number): Promise<number | undefined> {
    if (this.phase !== 'pid') return Promise.resolve(this.pid);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.pid), ms);
      this.pidListeners.push((pid) => {
        clearTimeout(timer);
        resolve(pid);
      });
    });
  }

  private scan(): void {
    while (this.phase !== 'done') {
      const marker = this.phase === 'pid' ? PID_MARKER : RAN_MARKER;
      const at = markerLineStart(this.pending, marker);
      const newline = at === -1 ? -1 : this.pending.indexOf(0x0a, at);
      if (newline === -1) {
        // No marker this far: none is coming (the wrapper did not run as written). Never a proof.
        if (this.pending.length > SCAN_LIMIT) {
          if (this.phase === 'pid') this.settlePid(undefined);
          this.flush();
        }
        return;
      }
      const value = this.pending.subarray(at + marker.length, newline).toString('latin1');
      // What came before a marker is output; what came after is looked at for the next one.
      if (at > 0) this.output.push(this.pending.subarray(0, at));
      this.pending = this.pending.subarray(newline + 1);
      if (this.phase === 'pid') {
        const pid = Number.parseInt(value, 10);
        this.settlePid(Number.isSafeInteger(pid) && pid > 1 ? pid : undefined);
        this.phase = 'ran';
        this.onMarker?.('wrapper');
      } else {
        this.ran = value === '';
        if (this.ran) this.onMarker?.('ran');
        this.flush();
      }
    }
  }

  private settlePid(pid: number | undefined): void {
    this.pid = pid;
    for (const listener of this.pidListeners.splice(0)) listener(pid);
  }

  /** Stops looking for markers: what is held back is output. */
  private flush(): void {
    this.phase = 'done';
    if (this.pending.length > 0) this.output.push(this.pending);
    this.pending = Buffer.alloc(0);
  }
}

function markerLineStart(buf: Buffer, marker: Buffer): number {
  for (let from = 0; ; ) {
    const at = buf.indexOf(marker, from);
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
