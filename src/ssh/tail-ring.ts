/** The last `size` bytes written to it, in a buffer allocated once, on the first write. */
export class TailRing {
  private ring: Buffer | undefined;
  /** Where the next byte goes. */
  private end = 0;
  length = 0;

  constructor(private readonly size: number) {}

  push(chunk: Buffer): void {
    if (this.size === 0 || chunk.length === 0) return;
    const ring = (this.ring ??= Buffer.allocUnsafe(this.size));
    if (chunk.length >= this.size) {
      chunk.copy(ring, 0, chunk.length - this.size);
      this.end = 0;
      this.length = this.size;
      return;
    }
    const first = Math.min(chunk.length, this.size - this.end);
    chunk.copy(ring, this.end, 0, first);
    chunk.copy(ring, 0, first);
    this.end = (this.end + chunk.length) % this.size;
    this.length = Math.min(this.size, this.length + chunk.length);
  }

  /** The kept bytes, oldest first. */
  bytes(): Buffer {
    if (!this.ring) return Buffer.alloc(0);
    if (this.length < this.size) return Buffer.from(this.ring.subarray(this.end - this.length, this.end));
    return Buffer.concat([this.ring.subarray(this.end), this.ring.subarray(0, this.end)]);
  }
}
