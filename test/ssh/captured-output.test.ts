import { describe, expect, it } from 'vitest';
import { CappedOutput, PidMarkedStderr } from '../../src/ssh/captured-output.js';
import { REMOTE_PID_MARKER } from '../../src/ssh/shell-quote.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('PidMarkedStderr', () => {
  it('parses and strips the pid marker even when it arrives split across chunks', async () => {
    const stderr = new PidMarkedStderr(1024);
    const whole = `${REMOTE_PID_MARKER}4242\nreal error\n`;
    for (const piece of [whole.slice(0, 3), whole.slice(3, 17), whole.slice(17, 20), whole.slice(20)]) stderr.push(bytes(piece));
    stderr.end();
    expect(stderr.pid).toBe(4242);
    expect(await stderr.waitForPid(10)).toBe(4242);
    expect(stderr.output.text()).toBe('real error\n');
  });

  it('finds the marker after login-shell noise and keeps the noise', () => {
    const stderr = new PidMarkedStderr(1024);
    stderr.push(bytes('bashrc: warning\n'));
    stderr.push(bytes(`${REMOTE_PID_MARKER}4321\ncommand error\n`));
    stderr.end();
    expect(stderr.pid).toBe(4321);
    expect(stderr.output.text()).toBe('bashrc: warning\ncommand error\n');
  });

  it('passes stderr through untouched when no marker starts a line', async () => {
    const stderr = new PidMarkedStderr(1024);
    stderr.push(bytes(`no marker here, not even mid-line ${REMOTE_PID_MARKER}99\n`));
    stderr.end();
    expect(stderr.pid).toBeUndefined();
    expect(await stderr.waitForPid(10)).toBeUndefined();
    expect(stderr.output.text()).toBe(`no marker here, not even mid-line ${REMOTE_PID_MARKER}99\n`);
  });

  it('gives up looking after 4 KiB and keeps every byte', () => {
    const stderr = new PidMarkedStderr(64 * 1024);
    const noise = 'x'.repeat(5000);
    stderr.push(bytes(noise));
    stderr.push(bytes(`\n${REMOTE_PID_MARKER}55\n`));
    stderr.end();
    expect(stderr.pid).toBeUndefined();
    expect(stderr.output.text()).toBe(`${noise}\n${REMOTE_PID_MARKER}55\n`);
  });

  it('hands a held-back partial marker to the output when the stream ends', () => {
    const stderr = new PidMarkedStderr(1024);
    stderr.push(bytes(REMOTE_PID_MARKER.slice(0, 5)));
    stderr.end();
    expect(stderr.output.text()).toBe(REMOTE_PID_MARKER.slice(0, 5));
  });

  it('lets a waiter learn the pid when it arrives, or give up after its wait', async () => {
    const late = new PidMarkedStderr(1024);
    const waiting = late.waitForPid(1_000);
    late.push(bytes(`${REMOTE_PID_MARKER}77\n`));
    expect(await waiting).toBe(77);
    const started = Date.now();
    expect(await new PidMarkedStderr(1024).waitForPid(50)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe('CappedOutput', () => {
  it('keeps the first bytes up to the cap, counts the rest and says so in the text', () => {
    const out = new CappedOutput(5);
    out.push(bytes('abc'));
    out.push(bytes('defgh'));
    out.push(bytes('ijk'));
    expect(out.dropped).toBe(6);
    expect(out.text()).toBe('abcde\n[dynslice: output truncated, 6 bytes dropped]');
  });

  it('returns output under the cap unchanged', () => {
    const out = new CappedOutput(64);
    out.push(bytes('ünïcödé ✓\n'));
    expect(out.text()).toBe('ünïcödé ✓\n');
    expect(out.dropped).toBe(0);
  });
});
