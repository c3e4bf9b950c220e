import { describe, expect, it } from 'vitest';
import { FakeSshRunner, HANG } from '../helpers/fake-ssh-runner.js';

const node = (nodeId: string) => ({ nodeId, host: `${nodeId}.lab`, port: 22, user: 'root' });

describe('FakeSshRunner', () => {
  it('records every call and answers exit 0 by default', async () => {
    const fake = new FakeSshRunner();
    const result = await fake.run(node('pc1'), 'systemctl stop job', { timeoutMs: 5_000, env: { JOB: 'x' } });
    expect(result).toEqual({ kind: 'exited', code: 0, stdout: '', stderr: '' });
    expect(fake.calls).toMatchObject([
      { target: node('pc1'), command: 'systemctl stop job', env: { JOB: 'x' }, timeoutMs: 5_000 },
    ]);
    expect(fake.commands('pc1')).toEqual(['systemctl stop job']);
  });

  it('answers from the most recent matching rule, including computed and one-shot answers', async () => {
    const fake = new FakeSshRunner()
      .when((c) => c.command.startsWith('check'), { code: 1, stdout: 'busy' })
      .when(
        (c) => c.target.nodeId === 'pc2',
        (c) => ({ code: 0, stdout: `hello ${c.target.nodeId}` }),
      )
      .whenOnce((c) => c.command === 'check', { kind: 'unreachable', reason: 'refused' });
    expect(await fake.run(node('pc1'), 'check', { timeoutMs: 1 })).toMatchObject({ code: null, kind: 'unreachable' });
    expect(await fake.run(node('pc1'), 'check', { timeoutMs: 1 })).toMatchObject({ code: 1, stdout: 'busy' });
    expect(await fake.run(node('pc2'), 'other', { timeoutMs: 1 })).toMatchObject({ code: 0, stdout: 'hello pc2' });
  });

  it('holds a HANG answer until the call is aborted', async () => {
    const fake = new FakeSshRunner().when(() => true, HANG);
    const controller = new AbortController();
    let settled = false;
    const running = fake
      .run(node('pc1'), 'sleep', { timeoutMs: 1, signal: controller.signal })
      .finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    expect(fake.hangingCount).toBe(1);
    controller.abort();
    expect(await running).toMatchObject({ code: null, kind: 'aborted' });
    expect(fake.hangingCount).toBe(0);
  });

  it('settles hanging calls on close and records releases', async () => {
    const fake = new FakeSshRunner();
    fake.defaultAnswer = HANG;
    const running = fake.run(node('pc1'), 'sleep', { timeoutMs: 1 });
    fake.release('pc1');
    await fake.close();
    expect(await running).toMatchObject({ kind: 'disconnected' });
    expect(fake.released).toEqual(['pc1']);
    expect(fake.closed).toBe(true);
  });

  it('answers an already aborted call at once', async () => {
    const fake = new FakeSshRunner().when(() => true, HANG);
    expect(await fake.run(node('pc1'), 'x', { timeoutMs: 1, signal: AbortSignal.abort() })).toMatchObject({
      kind: 'aborted',
    });
  });
});
