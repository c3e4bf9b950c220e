import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeSshRunner, type NodeSshRunner } from '../../src/ssh/pooled-runner.js';
import { failureWord } from '../../src/ssh/runner-types.js';
import { type CapturedLog, captureLogger } from '../helpers/capture-logger.js';
import { killMatching, uniqueSleep, waitForPids } from '../helpers/local-processes.js';
import { pathWithout } from '../helpers/node-path.js';
import { startOpenSshNodes } from '../helpers/openssh-nodes.js';
import { type SshTestNodes, targetOf } from '../helpers/sshd.js';

/** An older BusyBox `timeout` (before 1.30): it answers -k, and --version, with its usage and exit 1. */
const OLD_BUSYBOX_TIMEOUT = `#!/bin/sh
case "$1" in --help) ;; *) echo "timeout: invalid option -- '\${1#-}'" >&2 ;; esac
echo "BusyBox v1.22.1 (2014-09-26 07:33:17 UTC) multi-call binary." >&2
echo "" >&2
echo "Usage: timeout [-t SECS] [-s SIG] PROG ARGS" >&2
exit 1
`;

/** One real sshd whose sessions get a PATH of every standard program but `hidden`, and `extra` scripts. */
async function nodeWithout(scratch: string, name: string, hidden: string[], extra: Record<string, string> = {}) {
  const bin = pathWithout(hidden, join(scratch, name));
  for (const [file, text] of Object.entries(extra)) await writeFile(join(bin, file), text, { mode: 0o755 });
  return startOpenSshNodes(1, { extraConfig: [`SetEnv PATH=${bin}`] });
}

type Which = 'oldBusybox' | 'none' | 'nothing';

describe("a node's timeout, found at first contact (real sshd)", () => {
  let scratch: string;
  const servers: Record<Which, SshTestNodes | undefined> = {
    oldBusybox: undefined,
    none: undefined,
    nothing: undefined,
  };
  const runners: Partial<Record<Which, NodeSshRunner>> = {};
  let lines: CapturedLog[];
  const sleepers: string[] = [];
  const target = (which: Which) => targetOf(servers[which]!.nodes[0]!);
  const runner = (which: Which) => runners[which]!;
  const sleeper = (): string => {
    const duration = uniqueSleep(120);
    sleepers.push(duration);
    return `sleep ${duration}`;
  };

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-timeout-flavour-'));
    servers.oldBusybox = await nodeWithout(scratch, 'old-busybox', ['timeout'], { timeout: OLD_BUSYBOX_TIMEOUT });
    servers.none = await nodeWithout(scratch, 'none', ['timeout']);
    servers.nothing = await nodeWithout(scratch, 'nothing', ['timeout', 'sleep']);
    const logger = captureLogger();
    lines = logger.lines;
    for (const [which, server] of Object.entries(servers) as Array<[Which, SshTestNodes]>) {
      runners[which] = createNodeSshRunner({
        privateKeyPath: server.privateKeyPath,
        knownHostsPath: server.knownHostsPath,
        hostKeyChecking: 'yes',
        logger: logger.logger,
      });
    }
  });
  afterAll(async () => {
    for (const runner of Object.values(runners)) await runner.close();
    for (const server of Object.values(servers)) await server?.stop();
    for (const sleep of sleepers) killMatching(sleep);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('an old BusyBox timeout: commands run under the agent’s sh timer, and the flavour is logged once', async () => {
    const node = target('oldBusybox');
    const results = await Promise.all(
      [1, 2, 3].map((n) => runner('oldBusybox').run(node, `echo ${n}`, { timeoutMs: 10_000 })),
    );
    expect(results.map((result) => [result.kind, result.code, result.stdout])).toEqual([
      ['exited', 0, '1\n'],
      ['exited', 0, '2\n'],
      ['exited', 0, '3\n'],
    ]);
    expect(await runner('oldBusybox').run(node, 'exit 3', { timeoutMs: 10_000 })).toMatchObject({
      kind: 'exited',
      code: 3,
    });
    const detected = lines.filter((line) => line.msg === 'node timeout detected' && line.port === node.port);
    expect(detected).toEqual([
      expect.objectContaining({
        timeout: 'BusyBox v1.22.1 (timeout [-t SECS] [-s SIG] PROG ARGS) (refuses timeout -k)',
        wrapper: 'sh-timer',
      }),
    ]);
  }, 30_000);

  it('an old BusyBox timeout: a command past its deadline is timed out, and stopped on the node', async () => {
    const sleep = sleeper();
    const result = await runner('oldBusybox').run(target('oldBusybox'), `${sleep} & ${sleep}`, { timeoutMs: 1_000 });
    expect(result).toMatchObject({ kind: 'timedOut', code: 124 });
    expect(await waitForPids(sleep, false, 3_000, true)).toBe(true);
  }, 30_000);

  it('an old BusyBox timeout: an aborted command is stopped on the node', async () => {
    const sleep = sleeper();
    const controller = new AbortController();
    const running = runner('oldBusybox').run(target('oldBusybox'), sleep, {
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    expect(await waitForPids(sleep, true, 10_000, true)).toBe(true);
    controller.abort();
    expect(await running).toMatchObject({ kind: 'aborted' });
    expect(await waitForPids(sleep, false, 3_000, true)).toBe(true);
  }, 30_000);

  it('no timeout at all: asked as the connection is kept open; commands run under the sh timer, and time out there too', async () => {
    const node = target('none');
    expect(await runner('none').warm!(node)).toBe(true);
    expect(lines.filter((line) => line.msg === 'node timeout detected' && line.port === node.port)).toHaveLength(1);
    expect(await runner('none').run(node, 'echo ok', { timeoutMs: 10_000 })).toMatchObject({
      kind: 'exited',
      stdout: 'ok\n',
    });
    const sleep = sleeper();
    expect(await runner('none').run(node, sleep, { timeoutMs: 1_000 })).toMatchObject({ kind: 'timedOut', code: 124 });
    expect(await waitForPids(sleep, false, 3_000, true)).toBe(true);
    expect(lines.filter((line) => line.msg === 'node timeout detected' && line.port === node.port)).toEqual([
      expect.objectContaining({ timeout: 'none', wrapper: 'sh-timer' }),
    ]);
  }, 30_000);

  it('neither timeout nor sleep: nothing runs, could-not-run with the reason, never a pass', async () => {
    const node = target('nothing');
    const result = await runner('nothing').run(node, 'true', { timeoutMs: 10_000 });
    expect(result).toMatchObject({
      kind: 'notRun',
      detail: "no usable timeout on the node: timeout: none; no sleep for the agent's sh timer",
    });
    expect(failureWord(result)).toBe('could-not-run');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'no usable timeout on the node', port: node.port }));
  }, 30_000);
});
