import type { IncomingMessage } from 'node:http';
import { ENDPOINT_DEFAULTS } from '../config/endpoint-schema.js';

export const DEFAULT_MIN_BODY_BYTES_PER_SECOND = ENDPOINT_DEFAULTS.minBodyBytesPerSecond;
export const DEFAULT_BODY_GRACE_MS = 2000;

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';

  constructor(readonly limitBytes: number) {
    super(`request body larger than ${limitBytes} bytes`);
  }
}

export class BodyTooSlowError extends Error {
  override readonly name = 'BodyTooSlowError';

  constructor(readonly bytesPerSecond: number) {
    super(`request body slower than ${bytesPerSecond} bytes a second`);
  }
}

export class BodyAbortedError extends Error {
  override readonly name = 'BodyAbortedError';
}

/** The least a body must bring: after `graceMs`, `bytesPerSecond` on average (0: no minimum). */
export interface MinBodyRate {
  bytesPerSecond: number;
  graceMs: number;
}

/** True when the request announces a Content-Length over the limit (checked before reading). */
export function declaresTooLargeBody(req: IncomingMessage, maxBytes: number): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBytes;
}

/**
 * Reads the whole body, counting streamed bytes (chunked bodies announce no length). Past the
 * limit it stops reading and rejects with BodyTooLargeError; nothing beyond the limit is kept.
 * A body that has not brought `(t - graceMs) × bytesPerSecond` bytes `t` ms after the call (the
 * rule of Apache's mod_reqtimeout `MinRate`) is cut with BodyTooSlowError.
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number,
  minRate: MinBodyRate = { bytesPerSecond: 0, graceMs: 0 },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: () => void): void => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onError);
      outcome();
    };
    const stop = (error: Error): void => {
      req.pause();
      finish(() => reject(error));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) return stop(new BodyTooLargeError(maxBytes));
      chunks.push(chunk);
    };
    // One timer a body, re-armed for the moment the bytes received so far stop sufficing.
    const checkRate = (): void => {
      const msLeft = minRate.graceMs + (size / minRate.bytesPerSecond) * 1000 - (performance.now() - started);
      if (msLeft <= 0) return stop(new BodyTooSlowError(minRate.bytesPerSecond));
      timer = setTimeout(checkRate, Math.ceil(msLeft));
    };
    const onEnd = (): void => finish(() => resolve(Buffer.concat(chunks, size)));
    const onClose = (): void => finish(() => reject(new BodyAbortedError('connection closed before the body ended')));
    const onError = (error: Error): void => finish(() => reject(new BodyAbortedError(error.message)));
    // Keep one listener for the request's lifetime: a late 'error' must not become an uncaught exception.
    req.on('error', () => {});
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onError);
    if (minRate.bytesPerSecond > 0) timer = setTimeout(checkRate, minRate.graceMs);
  });
}
