import type { Readable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';

export interface ExecHandlers {
  onChannel?: (channel: { close(): void }) => void;
  /**
   * Each chunk as it arrives (nothing is kept here). A positive return is how many ms to stop
   * reading that stream: SSH flow control then makes the remote writer wait too.
   */
  onStdout?: (chunk: Buffer) => number | undefined;
  onStderr?: (chunk: Buffer) => number | undefined;
}

export interface ExecExit {
  code: number | null;
  signal: string | null;
}

/**
 * Runs a command on an open ssh2 connection and streams its output to the handlers. node-ssh's
 * execCommand keeps every chunk until the command ends, so a command printing endlessly would
 * grow the agent's heap until it died; here memory is whatever the handlers keep.
 */
export function execStreaming(client: Client | null, command: string, handlers: ExecHandlers): Promise<ExecExit> {
  return new Promise((resolve, reject) => {
    if (!client) {
      reject(new Error('not connected'));
      return;
    }
    const opened = (err: Error | undefined, channel: ClientChannel): void => {
      if (err) {
        reject(err);
        return;
      }
      handlers.onChannel?.(channel);
      read(channel, handlers.onStdout);
      read(channel.stderr, handlers.onStderr);
      channel.end(); // no stdin
      const exit: ExecExit = { code: null, signal: null };
      channel.on('exit', (code: number | null, signal?: string) => {
        exit.code = code ?? null;
        exit.signal = signal ?? null;
      });
      channel.on('close', () => resolve(exit));
    };
    try {
      client.exec(command, opened);
    } catch (err) {
      reject(err as Error); // the connection closed under us
    }
  });
}

function read(stream: Readable, onChunk: ((chunk: Buffer) => number | undefined) | undefined): void {
  stream.on('data', (chunk: Buffer) => {
    const pauseMs = onChunk?.(chunk) ?? 0;
    if (pauseMs > 0 && !stream.isPaused()) {
      stream.pause();
      setTimeout(() => stream.resume(), pauseMs);
    }
  });
}
