import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { killMatching } from '../helpers/local-processes.js';
import { useSshRunner } from '../helpers/ssh-runner-fixture.js';
import { targetOf } from '../helpers/sshd.js';

const MiB = 1024 * 1024;
const FLOOD = `dynslice-unkept-${randomBytes(4).toString('hex')}`;
const NODES = 2;
const PER_NODE = 6; // below the 8 channels a node gets
const TOTAL_BYTES_PER_SECOND = MiB;
/** What a command's SSH channel holds once its reading waits (ssh2's window), and a packet. */
const IN_FLIGHT_BYTES = 2 * MiB + 32 * 1024;

describe('output floods on real sshd nodes share one budget', () => {
  // Per command the default 1 MiB/s: 12 commands alone would be read at up to 12 MiB/s.
  const ssh = useSshRunner(NODES, {
    runner: { outputHeadBytes: 16, outputTailBytes: 16, unkeptBytesPerSecondTotal: TOTAL_BYTES_PER_SECOND },
  });
  afterAll(() => killMatching(FLOOD));

  it(`${NODES * PER_NODE} commands flooding at once are read no faster than the total budget`, async () => {
    const started = performance.now();
    const results = await Promise.all(
      ssh.sshd.nodes.flatMap((node) =>
        Array.from({ length: PER_NODE }, () => ssh.runner.run(targetOf(node), `yes ${FLOOD}`, { timeoutMs: 6_000 })),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const read = results.map((result) => result.truncated?.stdout ?? 0);
    const total = read.reduce((sum, bytes) => sum + bytes, 0);
    console.info(
      `${read.length} floods for ${seconds.toFixed(1)} s: ${(total / MiB).toFixed(1)} MiB unkept read, ` +
        `${(total / MiB / seconds).toFixed(2)} MiB/s in all (budget ${TOTAL_BYTES_PER_SECOND / MiB}); ` +
        `per command ${Math.min(...read) >> 10} to ${Math.max(...read) >> 10} KiB`,
    );
    // Each timed out: at the node, or, its last output still held back by the budget, at the agent's deadline.
    for (const result of results) expect(result.kind).toBe('timedOut');
    // Generous: on top of the budget, what each channel already holds when its command ends is read at once.
    expect(total).toBeLessThan(1.5 * TOTAL_BYTES_PER_SECOND * seconds + read.length * IN_FLIGHT_BYTES);
    expect(total / seconds).toBeGreaterThan(TOTAL_BYTES_PER_SECOND / 4);
    // No command is starved by the others.
    expect(Math.min(...read)).toBeGreaterThan(total / read.length / 8);
  }, 40_000);
});
