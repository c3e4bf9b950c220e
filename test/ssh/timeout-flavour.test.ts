import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TIMEOUT_PROBE, timeoutVerdict } from '../../src/ssh/timeout-flavour.js';

/** What TIMEOUT_PROBE prints, around a tool's own words. */
function probeOutput(
  tool: { path?: string; killAfter?: number; version?: string; help?: string },
  sleep = true,
): string {
  const lines = ['dynslice-timeout-probe', `timeout=${tool.path ?? ''}`, `sleep=${sleep ? '/bin/sleep' : ''}`];
  lines.push('group=yes');
  if (tool.path)
    lines.push(`kill-after=${tool.killAfter}`, '--- version', tool.version ?? '', '--- help', tool.help ?? '');
  return `${[...lines, '--- end'].join('\n')}\n`;
}

// GNU coreutils 9.1 (Debian 12): `timeout --version` and the first lines of `--help`, run here.
const GNU = {
  path: '/usr/bin/timeout',
  killAfter: 0,
  version: [
    'timeout (GNU coreutils) 9.1',
    'Copyright (C) 2022 Free Software Foundation, Inc.',
    'License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.',
  ].join('\n'),
  help: [
    'Usage: timeout [OPTION] DURATION COMMAND [ARG]...',
    '  or:  timeout [OPTION]',
    'Start COMMAND, and kill it if still running after DURATION.',
  ].join('\n'),
};
// BusyBox 1.35.0, Debian's busybox 1:1.35.0-4+deb12u1 (`busybox timeout --version`, `--help`), run here.
const BUSYBOX_135 = {
  path: '/usr/bin/timeout',
  killAfter: 0,
  version: [
    "timeout: unrecognized option '--version'",
    'BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.',
  ].join('\n'),
  help: [
    'BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.',
    '',
    'Usage: timeout [-s SIG] [-k KILL_SECS] SECS PROG ARGS',
    '',
    'Run PROG. Send SIG to it if it is not gone in SECS seconds.',
    'Default SIG: TERM.If it still exists in KILL_SECS seconds, send KILL.',
  ].join('\n'),
};
// BusyBox before 1.30: the usage of coreutils/timeout.c then (mirror/busybox), with the banner that
// BusyBox v1.24.1 printed in vishnubob/wait-for-it issue #9; -k is refused with the usage, exit 1.
const BUSYBOX_124 = {
  path: '/usr/bin/timeout',
  killAfter: 1,
  version: [
    "timeout: unrecognized option '--version'",
    'BusyBox v1.24.1 (2015-12-16 08:00:02 GMT) multi-call binary.',
  ].join('\n'),
  help: [
    'BusyBox v1.24.1 (2015-12-16 08:00:02 GMT) multi-call binary.',
    '',
    'Usage: timeout [-t SECS] [-s SIG] PROG ARGS',
    '',
    'Runs PROG. Sends SIG to it if it is not gone in SECS seconds.',
    'Defaults: SECS: 10, SIG: TERM.',
  ].join('\n'),
};
// BusyBox 1.30.1 (Alpine 3.10), as quoted in vishnubob/wait-for-it pull request #68: no -t, no -k yet.
const BUSYBOX_1301 = {
  path: '/usr/bin/timeout',
  killAfter: 1,
  version: 'timeout: unrecognized option: -\nBusyBox v1.30.1 (2019-06-12 17:51:55 UTC) multi-call binary.',
  help: [
    'BusyBox v1.30.1 (2019-06-12 17:51:55 UTC) multi-call binary.',
    '',
    'Usage: timeout [-s SIG] SECS PROG ARGS',
    '',
    'Runs PROG. Sends SIG to it if it is not gone in SECS seconds.',
    'Default SIG: TERM.',
  ].join('\n'),
};

describe("which timeout a node has, from the probe's answer", () => {
  it.each([
    ['GNU coreutils', GNU, { found: 'GNU coreutils 9.1', wrapper: 'timeout-k' }],
    [
      'BusyBox 1.35, which takes -k',
      BUSYBOX_135,
      { found: 'BusyBox v1.35.0 (timeout [-s SIG] [-k KILL_SECS] SECS PROG ARGS)', wrapper: 'timeout-k' },
    ],
    [
      'BusyBox 1.24, which takes -t SECS only',
      BUSYBOX_124,
      { found: 'BusyBox v1.24.1 (timeout [-t SECS] [-s SIG] PROG ARGS) (refuses timeout -k)', wrapper: 'sh-timer' },
    ],
    [
      'BusyBox 1.30, which takes neither',
      BUSYBOX_1301,
      { found: 'BusyBox v1.30.1 (timeout [-s SIG] SECS PROG ARGS) (refuses timeout -k)', wrapper: 'sh-timer' },
    ],
    ['no timeout at all', {}, { found: 'none', wrapper: 'sh-timer' }],
    // What it does decides, not what it says.
    ['a GNU text whose -k fails', { ...GNU, killAfter: 125 }, { found: 'GNU coreutils 9.1 (refuses timeout -k)' }],
  ])('%s', (_, tool, verdict) => {
    expect(timeoutVerdict(probeOutput(tool))).toMatchObject(verdict);
  });

  it('an unknown timeout that takes -k is used as it is, and named by its words (made up: none this list names)', () => {
    const other = { path: '/usr/bin/timeout', killAfter: 0, version: 'usage: timeout [-k time] [-s sig] duration' };
    expect(timeoutVerdict(probeOutput(other))).toEqual({
      found: 'an unknown timeout (usage: timeout [-k time] [-s sig] duration)',
      wrapper: 'timeout-k',
    });
  });

  it.each([
    ['no timeout -k and no sleep', probeOutput(BUSYBOX_124, false), /no sleep for the agent's sh timer/],
    ['no process group of its own', probeOutput({}).replace('group=yes', 'group=no'), /process group/],
    ['an answer cut short', probeOutput(GNU).replace('--- end\n', ''), /cut or unreadable/],
    ['no answer', '', /cut or unreadable/],
    ['something else answering', 'sh: 1: Syntax error\n', /cut or unreadable/],
  ])('refuses, never guesses: %s', (_, output, reason) => {
    expect(timeoutVerdict(output)).toEqual({ unusable: expect.stringMatching(reason) });
  });

  it.each([['sh'], ['busybox', 'ash']].filter(([shell]) => spawnSync('which', [shell!]).status === 0))(
    'the probe, run by %s here (its own session, as sshd starts one), finds this machine’s GNU timeout',
    (...shell) => {
      const run = spawnSync('setsid', ['-w', ...shell, '-c', TIMEOUT_PROBE], { encoding: 'utf8', timeout: 10_000 });
      expect(run.status).toBe(0);
      expect(timeoutVerdict(run.stdout)).toEqual({
        found: expect.stringMatching(/^GNU coreutils /),
        wrapper: 'timeout-k',
      });
    },
  );
});
