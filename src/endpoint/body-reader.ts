import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';

  constructor(readonly limitBytes: number) {
    super(`request body larger than ${limitBytes} bytes`);
  }
}

export class BodyAbortedError extends Error {
  override readonly name = 'BodyAbortedError';
}

/** True when the request announces a Content-Length over the limit (checked before reading). */
export function declaresTooLargeBody(req: IncomingMessage, maxBytes: number): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBytes;
}

/**
 * Reads the whole body, counting streamed bytes (chunked bodies announce no length). Past the
 * limit it stops reading and rejects with BodyTooLargeError; nothing beyond the limit is kept.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: () => void): void => {
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onError);
      outcome();
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        finish(() => reject(new BodyTooLargeError(maxBytes)));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(() => resolve(Buffer.concat(chunks, size)));
    const onClose = (): void => finish(() => reject(new BodyAbortedError('connection closed before the body ended')));
    const onError = (error: Error): void => finish(() => reject(new BodyAbortedError(error.message)));
    // Keep one listener for the request's lifetime: a late 'error' must not become an uncaught exception.
    req.on('error', () => {});
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onError);
  });
}
