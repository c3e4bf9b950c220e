import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenSshNodes } from '../helpers/openssh-nodes.js';
import { realStep, SSH_TEST_TIMEOUT_MS } from '../helpers/real-step.js';
import type { SshTestNodes } from '../helpers/sshd.js';

describe('command and wait-idle: your check passes on exit 0, and a check that cannot run says why', {
  timeout: SSH_TEST_TIMEOUT_MS,
}, () => {
  let scratch: string;
  let node: SshTestNodes;
  let step: ReturnType<typeof realStep>;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-check-verify-'));
    node = await startOpenSshNodes(1);
    step = realStep(node);
  });
  afterAll(async () => {
    await step?.close();
    await node?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('passes on exit 0 and reports any other status with its stderr', async () => {
    const idle = join(scratch, 'idle');
    const check = { action: 'command', run: 'true', verify: `test -e ${idle} || { echo "busy: 3 jobs" >&2; exit 1; }` };
    expect(await step.verify(check)).toEqual({ passed: false, detail: 'check-failed: exit 1: busy: 3 jobs' });
    await writeFile(idle, '');
    expect(await step.verify(check)).toEqual({ passed: true });
  });

  it('names a check command the node does not have', async () => {
    expect(await step.verify({ action: 'wait-idle', check: 'no-such-idle-check --quiet' })).toEqual({
      passed: false,
      detail: 'tool-missing: check command not found on the node (sh: 1: no-such-idle-check: not found)',
    });
  });

  it('names a check script that is not executable', async () => {
    const script = join(scratch, 'is-idle.sh');
    await writeFile(script, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    expect(await step.verify({ action: 'command', run: 'true', verify: script })).toEqual({
      passed: false,
      detail: `not-executable: check command could not be executed (sh: 1: ${script}: Permission denied)`,
    });
  });
});
