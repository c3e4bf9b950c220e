import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildRemoteCommand,
  isRemoteTimeoutExit,
  REMOTE_PID_MARKER,
  REMOTE_RAN_MARKER,
  shellQuote,
} from '../../src/ssh/shell-quote.js';

const HOSTILE = [
  '',
  'plain',
  "it's",
  "''",
  '"double" and \\backslash\\',
  '$(touch /tmp/dynslice-pwned) `touch /tmp/dynslice-pwned` $HOME ${PATH}',
  'semi; rm -rf /nonexistent; echo',
  'line one\nline two\n',
  '!history !! and * glob ? chars [a-z]',
  'tab\there\r\nand unicode ✓ ünïcödé',
  '-n',
];

/** Runs `text` the way a remote login shell would: `sh -c text`. */
function sh(text: string): { stdout: string; stderr: string; status: number | null; pid: number | undefined } {
  const r = spawnSync('sh', ['-c', text], { encoding: 'utf8', timeout: 10_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, pid: r.pid };
}

describe('shellQuote', () => {
  it('wraps a value in single quotes and escapes embedded single quotes', () => {
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('abc')).toBe("'abc'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it.each(HOSTILE)('makes sh see exactly one word, byte for byte: %j', (value) => {
    expect(sh(`printf %s ${shellQuote(value)}`).stdout).toBe(value);
  });
});

describe('buildRemoteCommand', () => {
  it('passes env values through untouched and runs nothing they contain', () => {
    const env = Object.fromEntries(HOSTILE.map((v, i) => [`V${i}`, v]));
    const command = `${HOSTILE.map((_, i) => `printenv V${i}; echo '<end>'`).join('; ')}; test ! -e /tmp/dynslice-pwned`;
    const result = sh(buildRemoteCommand(command, env, 10));
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(HOSTILE.map((v) => `${v}\n<end>\n`).join(''));
  });

  it('announces the pid of the timeout process as the first stderr line', () => {
    const result = sh(buildRemoteCommand('echo out; echo err >&2; exit 7', undefined, 10));
    expect(result.status).toBe(7);
    expect(result.stdout).toBe('out\n');
    // `sh -c` execs the whole chain, so the announced pid is the process we spawned: `timeout`.
    // Then the shell `timeout` started says it runs the command, before the command's own output.
    expect(result.stderr).toBe(`${REMOTE_PID_MARKER}${result.pid}\n${REMOTE_RAN_MARKER}\nerr\n`);
  });

  it("says nothing of the command when its timeout refuses the options: the status is the wrapper's", async () => {
    const bin = await mkdtemp(join(tmpdir(), 'dynslice-old-timeout-'));
    try {
      // An older BusyBox timeout: no -k, usage on stderr, exit 1 (what pgrep exits when nothing matches).
      await writeFile(join(bin, 'timeout'), '#!/bin/sh\necho "timeout: invalid option -- \'k\'" >&2\nexit 1\n', {
        mode: 0o755,
      });
      const result = spawnSync('sh', ['-c', buildRemoteCommand('exit 0', undefined, 10)], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      expect(result.status).toBe(1);
      expect(result.stderr).not.toContain(REMOTE_RAN_MARKER);
      expect(result.stderr).toContain("timeout: invalid option -- 'k'");
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('wraps the command in timeout -k 5 with whole seconds, at least one', () => {
    expect(buildRemoteCommand('true', {}, 0.2)).toContain('timeout -k 5 1 sh -c ');
    expect(buildRemoteCommand('true', {}, 90.5)).toContain('timeout -k 5 91 sh -c ');
    expect(sh(buildRemoteCommand('sleep 5', {}, 1)).status).toBe(124);
  });

  it('rejects env names that are not shell identifiers', () => {
    for (const name of ['A;B', '1X', 'A=B', '-i', '', 'A B']) {
      expect(() => buildRemoteCommand('true', { [name]: 'x' }, 10)).toThrow(
        expect.objectContaining({ code: 'SSH_INVALID_ENV_NAME', envName: name }),
      );
    }
  });
});

describe('isRemoteTimeoutExit', () => {
  it('recognises the exits of GNU timeout after TERM (124) and after KILL (137)', () => {
    expect([124, 137].map(isRemoteTimeoutExit)).toEqual([true, true]);
    expect([0, 1, 125, 143, null].map(isRemoteTimeoutExit)).toEqual([false, false, false, false, false]);
  });
});
