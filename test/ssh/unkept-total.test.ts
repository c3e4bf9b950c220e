import { describe, expect, it } from 'vitest';
import type { ExecHandlers } from '../../src/ssh/channel-exec.js';
import { pauseAfterAll, ReadPacer } from '../../src/ssh/read-pacer.js';
import { type ExecSession, runRemoteCommand } from '../../src/ssh/remote-command.js';
import { REMOTE_PID_MARKER, REMOTE_RAN_MARKER } from '../../src/ssh/shell-quote.js';
import { captureLogger } from '../helpers/capture-logger.js';

const MiB = 1024 * 1024;
const CHUNK = Buffer.alloc(32 * 1024, 0x79); // one SSH channel packet of `yes`

/**
 * A node whose command prints endlessly for `ms`: the next chunk comes when the reader is ready
 * (after the pause it asked for), as SSH flow control makes the remote writer wait.
 */
function floodingSession(ms: number): ExecSession {
  return {
    async exec(_command: string, handlers: ExecHandlers) {
      handlers.onStderr?.(Buffer.from(`${REMOTE_PID_MARKER}4242\n${REMOTE_RAN_MARKER}\n`, 'latin1'));
      const until = performance.now() + ms;
      while (performance.now() < until) {
        const pause = handlers.onStdout?.(CHUNK) ?? 0;
        await new Promise((resolve) => (pause > 0 ? setTimeout(resolve, pause) : setImmediate(resolve)));
      }
      return { code: 0, signal: null };
    },
  };
}

/** Runs `commands` flooding commands at once for `ms`: the unkept bytes read by all, a second, and by each. */
async function readRates(commands: number, ms: number, unkeptTotal?: ReadPacer) {
  const { logger } = captureLogger();
  const options = { timeoutMs: 60_000, keep: { headBytes: 0, tailBytes: 0 }, unkeptBytesPerSecond: MiB, log: logger };
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: commands }, () =>
      runRemoteCommand(floodingSession(ms), 'yes', { ...options, ...(unkeptTotal ? { unkeptTotal } : {}) }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const each = results.map((result) => (result.truncated?.stdout ?? 0) / seconds / MiB);
  return { total: each.reduce((sum, rate) => sum + rate, 0), each };
}

describe('unkept output read by all commands together', () => {
  it('pauses for the longest of several budgets, each counting every byte', () => {
    let now = 0;
    const own = new ReadPacer(1_000, () => now);
    const shared = new ReadPacer(500, () => now);
    expect(pauseAfterAll([own, shared], 50)).toBe(0);
    expect(pauseAfterAll([own, shared], 50)).toBe(200); // shared: 100 bytes at 500/s
    now += 200;
    expect(pauseAfterAll([own], 0)).toBe(0);
    expect(shared.pauseAfter(60)).toBe(120);
  });

  it('20 commands flooding at once are read no faster than the shared budget', async () => {
    const { total, each } = await readRates(20, 1500, new ReadPacer(2 * MiB));
    // One burst of a chunk per command comes on top of the rate: 20 × 32 KiB over 1.5 s ≈ 0.4 MiB/s.
    expect(total).toBeLessThan(3);
    expect(total).toBeGreaterThan(1);
    // Shared, not taken by a few: every command gets a fair part of it.
    expect(Math.min(...each)).toBeGreaterThan(total / 20 / 4);
  }, 20_000);

  it('without one, each command gets its own rate', async () => {
    const { total } = await readRates(20, 1500);
    expect(total).toBeGreaterThan(10);
  }, 20_000);
});
