import { spawn } from 'node:child_process';

export interface LocalCommandOptions {
  /** The command and everything it started are killed after this. */
  timeoutMs: number;
  /** More stdout than this fails the command (a manifest or a key is small). */
  maxBytes: number;
}

export type LocalCommandResult = { ok: true; stdout: string } | { ok: false; why: string; missing: boolean };

const STDERR_KEPT = 500;

/**
 * Runs a configured command (`sh -c`) on this machine and collects its stdout; a non-zero exit, a
 * signal, a timeout or too much output fail it, with the head of stderr (never stdout: it may hold
 * a key). `missing`: the shell could not find the command (exit 127).
 */
export function runLocalCommand(command: string, options: LocalCommandOptions): Promise<LocalCommandResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    let failure: string | null = null;
    const stop = (why: string): void => {
      failure ??= why;
      // The whole group: `sh -c` may have started the real command as its child.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => stop(`did not finish within ${options.timeoutMs / 1000} s`), options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > options.maxBytes) stop(`printed more than ${options.maxBytes} bytes`);
      else chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      if (stderr.length < STDERR_KEPT) stderr += text;
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, why: error.message, missing: false });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const said = stderr.trim().slice(0, STDERR_KEPT).split('\n')[0] ?? '';
      const detail = said ? `: ${said}` : '';
      if (failure !== null) resolve({ ok: false, why: failure, missing: false });
      else if (code === 0) resolve({ ok: true, stdout: Buffer.concat(chunks).toString('utf8') });
      else
        resolve({
          ok: false,
          why: `${signal ? `killed by ${signal}` : `exited with ${code}`}${detail}`,
          missing: code === 127,
        });
    });
  });
}
