import { describe, expect, it } from 'vitest';
import { passesWhenZero } from '../../src/drain/sdk.js';
import { CappedOutput, outputExcerpt, PidMarkedStderr } from '../../src/ssh/captured-output.js';
import { REMOTE_PID_MARKER } from '../../src/ssh/shell-quote.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const keep = (headBytes: number, tailBytes = headBytes) => ({ headBytes, tailBytes });

describe('PidMarkedStderr', () => {
  it('parses and strips the pid marker even when it arrives split across chunks', async () => {
    const stderr = new PidMarkedStderr(keep(1024));
    const whole = `${REMOTE_PID_MARKER}4242\nreal error\n`;
    for (const piece of [whole.slice(0, 3), whole.slice(3, 17), whole.slice(17, 20), whole.slice(20)])
      stderr.push(bytes(piece));
    stderr.end();
    expect(stderr.pid).toBe(4242);
    expect(await stderr.waitForPid(10)).toBe(4242);
    expect(stderr.output.text()).toBe('real error\n');
  });

  it('finds the marker after login-shell noise and keeps the noise', () => {
    const stderr = new PidMarkedStderr(keep(1024));
    stderr.push(bytes('bashrc: warning\n'));
    stderr.push(bytes(`${REMOTE_PID_MARKER}4321\ncommand error\n`));
    stderr.end();
    expect(stderr.pid).toBe(4321);
    expect(stderr.output.text()).toBe('bashrc: warning\ncommand error\n');
  });

  it('passes stderr through untouched when no marker starts a line', async () => {
    const stderr = new PidMarkedStderr(keep(1024));
    stderr.push(bytes(`no marker here, not even mid-line ${REMOTE_PID_MARKER}99\n`));
    stderr.end();
    expect(stderr.pid).toBeUndefined();
    expect(await stderr.waitForPid(10)).toBeUndefined();
    expect(stderr.output.text()).toBe(`no marker here, not even mid-line ${REMOTE_PID_MARKER}99\n`);
  });

  it('gives up looking after 4 KiB and keeps every byte', () => {
    const stderr = new PidMarkedStderr(keep(64 * 1024));
    const noise = 'x'.repeat(5000);
    stderr.push(bytes(noise));
    stderr.push(bytes(`\n${REMOTE_PID_MARKER}55\n`));
    stderr.end();
    expect(stderr.pid).toBeUndefined();
    expect(stderr.output.text()).toBe(`${noise}\n${REMOTE_PID_MARKER}55\n`);
  });

  it('hands a held-back partial marker to the output when the stream ends', () => {
    const stderr = new PidMarkedStderr(keep(1024));
    stderr.push(bytes(REMOTE_PID_MARKER.slice(0, 5)));
    stderr.end();
    expect(stderr.output.text()).toBe(REMOTE_PID_MARKER.slice(0, 5));
  });

  it('lets a waiter learn the pid when it arrives, or give up after its wait', async () => {
    const late = new PidMarkedStderr(keep(1024));
    const waiting = late.waitForPid(1_000);
    late.push(bytes(`${REMOTE_PID_MARKER}77\n`));
    expect(await waiting).toBe(77);
    const started = Date.now();
    expect(await new PidMarkedStderr(keep(1024)).waitForPid(50)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe('CappedOutput', () => {
  it('keeps the first and the last bytes, counts what it dropped between them and says so in the text', () => {
    const out = new CappedOutput(keep(5, 4));
    for (const piece of ['abc', 'defgh', 'ijk', 'lmnopq']) out.push(bytes(piece));
    expect(out.dropped).toBe(17 - 5 - 4);
    expect(out.text()).toBe('abcde\n[dynslice: output truncated, 8 bytes dropped]\nnopq');
  });

  it('returns output that fits in head and tail unchanged, across chunk boundaries', () => {
    const out = new CappedOutput(keep(4, 12)); // 16 bytes, the head ending inside 'ï'
    for (const piece of ['ünï', 'cödé ', '✓\n']) out.push(bytes(piece));
    expect(out.text()).toBe('ünïcödé ✓\n');
    expect(out.dropped).toBe(0);
  });

  it('keeps only the tail of a chunk larger than the tail, and a tail that wrapped around in order', () => {
    const big = new CappedOutput(keep(2, 3));
    big.push(bytes('0123456789'));
    expect(big.text()).toBe('01\n[dynslice: output truncated, 5 bytes dropped]\n789');
    const wrapped = new CappedOutput(keep(0, 5));
    for (const piece of ['ab', 'cd', 'ef', 'g']) wrapped.push(bytes(piece));
    expect(wrapped.text()).toBe('\n[dynslice: output truncated, 2 bytes dropped]\ncdefg');
  });

  it('neither ends the head nor starts the tail inside a UTF-8 character', () => {
    const out = new CappedOutput(keep(3, 5));
    out.push(bytes('a✓-✓✓')); // ✓ is 3 bytes: the head ends and the tail starts inside one
    expect(out.text()).toBe('a\n[dynslice: output truncated, 3 bytes dropped]\n✓');
  });

  it('holds no more than head + tail however much is pushed', () => {
    const out = new CappedOutput(keep(64 * 1024));
    const chunk = Buffer.alloc(32 * 1024, 'y');
    for (let i = 0; i < 4096; i += 1) out.push(chunk); // 128 MiB
    expect(out.dropped).toBe(128 * 1024 * 1024 - 128 * 1024);
    expect(out.text().length).toBeLessThan(128 * 1024 + 100);
  });
});

describe('outputExcerpt', () => {
  it('keeps short output whole and shows the start and the end of long output', () => {
    expect(outputExcerpt('  short error\n')).toBe('short error');
    const long = `usage: start${'x'.repeat(500)}the real error at the end`;
    const excerpt = outputExcerpt(long, 60);
    expect(excerpt).toBe(`${long.slice(0, 28)} … ${long.slice(-28)}`);
    expect(excerpt.length).toBeLessThanOrEqual(60);
  });

  it('is what a failed verify says about a truncated stderr: the end survives', () => {
    const stderr = `${'a'.repeat(1024)}\n[dynslice: output truncated, 9000 bytes dropped]\nfatal: still running`;
    expect(passesWhenZero({ kind: 'exited', code: 1, stdout: '', stderr }).detail).toMatch(
      /^check-failed: exit 1: a+ … .*; fatal: still running$/,
    );
  });
});
