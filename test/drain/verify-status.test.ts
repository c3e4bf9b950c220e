import { describe, expect, it } from 'vitest';
import { type ExitMeaning, passesOnExit, passesWhenZero } from '../../src/index.js';
import { type ResultParts, runResult as result } from '../helpers/fake-ssh-runner.js';

const PGREP: ExitMeaning = {
  tool: 'pgrep',
  pass: [1],
  stderr: [[/unknown user/, 'bad-user']],
  meaning: { 0: 'still-running' },
};

describe('passesOnExit', () => {
  it('passes only on the statuses that mean nothing is left', () => {
    expect(passesOnExit(result({ code: 1 }), PGREP)).toEqual({ passed: true });
    expect(passesOnExit(result({ code: 0, stdout: '42\n' }), PGREP)).toEqual({
      passed: false,
      detail: 'still-running: exit 0',
    });
  });

  it('passes a dry run, which ran nothing: it answers what would happen if every command did its job', () => {
    expect(passesOnExit(result({ kind: 'dryRun' }), PGREP)).toEqual({ passed: true });
    expect(passesWhenZero(result({ kind: 'dryRun' }))).toEqual({ passed: true });
  });

  it('never passes a result of a kind it does not know, such as one a plugin built without a kind', () => {
    const handMade = { code: 1, stdout: '', stderr: '' } as unknown as Parameters<typeof passesOnExit>[0];
    expect(passesOnExit(handMade, PGREP)).toEqual({
      passed: false,
      detail: 'unexpected-result: a command result of unknown kind undefined',
    });
    expect(passesWhenZero({ ...handMade, code: 0 } as typeof handMade).passed).toBe(false);
  });

  it('fails when the check gave no answer, naming why', () => {
    const cases: Array<[ResultParts, string]> = [
      [
        { kind: 'disconnected', detail: 'connection closed before the command finished' },
        'connection: connection closed before the command finished',
      ],
      [
        { kind: 'timedOut', code: 124, detail: 'remote timeout stopped the command (exit 124)' },
        'timeout: remote timeout stopped the command (exit 124)',
      ],
      [
        { kind: 'timedOut', code: null, detail: 'no result 9000 ms after the remote command started' },
        'timeout: no result 9000 ms after the remote command started',
      ],
      [{ kind: 'unreachable', reason: 'refused', detail: 'refused' }, 'unreachable: refused'],
      [{ kind: 'aborted', detail: 'node released' }, 'aborted: node released'],
    ];
    for (const [r, detail] of cases) expect(passesOnExit(result(r), PGREP)).toEqual({ passed: false, detail });
  });

  it('names a missing or unusable tool, and does not blame the tool for its wrapper', () => {
    const missing = (stderr: string, meaning: ExitMeaning = PGREP) =>
      passesOnExit(result({ code: 127, stderr }), meaning).detail;
    expect(missing('sh: 1: pgrep: not found\n')).toBe(
      'tool-missing: pgrep not found on the node (sh: 1: pgrep: not found)',
    );
    expect(missing("env: 'timeout': No such file or directory\n")).toBe(
      "tool-missing: command not found on the node (env: 'timeout': No such file or directory)",
    );
    expect(missing('sh: 1: squeue: not found', { tool: 'squeue', where: 'head.example', pass: [0] })).toBe(
      'tool-missing: squeue not found on head.example (sh: 1: squeue: not found)',
    );
    expect(missing('sh: 1: idle-check: not found', { pass: [0] })).toBe(
      'tool-missing: check command not found on the node (sh: 1: idle-check: not found)',
    );
    expect(passesOnExit(result({ code: 126, stderr: 'sh: 1: /opt/x: Permission denied' }), PGREP).detail).toBe(
      'not-executable: pgrep could not be executed (sh: 1: /opt/x: Permission denied)',
    );
  });

  it('lets stderr name the cause, even under a passing status', () => {
    // BusyBox pgrep dies with status 1, the status that otherwise means "no process matched".
    expect(passesOnExit(result({ code: 1, stderr: 'pgrep: unknown user nosuchuser\n' }), PGREP)).toEqual({
      passed: false,
      detail: 'bad-user: pgrep: unknown user nosuchuser',
    });
  });

  it('reports any other status with its stderr on one line', () => {
    expect(passesOnExit(result({ code: 3, stderr: 'out of memory\nretry later\n' }), PGREP).detail).toBe(
      'unexpected-exit: exit 3: out of memory; retry later',
    );
    expect(passesWhenZero(result({ code: 1, stderr: 'job still running' }))).toEqual({
      passed: false,
      detail: 'check-failed: exit 1: job still running',
    });
    expect(passesWhenZero(result({ code: 0, stderr: 'noise from a login shell' }))).toEqual({ passed: true });
  });

  it('can fail a passing status on what it printed', () => {
    const rows: ExitMeaning = {
      pass: [0],
      whenPassed: (r) => (r.stdout.trim() ? { reason: 'still-running', text: r.stdout.trim() } : undefined),
    };
    expect(passesOnExit(result({ stdout: 'job 7\n' }), rows)).toEqual({
      passed: false,
      detail: 'still-running: job 7',
    });
    expect(passesOnExit(result({}), rows)).toEqual({ passed: true });
  });
});
