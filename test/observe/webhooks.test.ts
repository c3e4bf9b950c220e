import { afterEach, describe, expect, it, vi } from 'vitest';
import { webhookSchema } from '../../src/config/observe-schema.js';
import { WebhookSender } from '../../src/observe/webhooks.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { HANG } from '../helpers/fake-ssh-runner.js';
import { NODES, startObservedAgent } from './observed-agent.js';
import { startReceiver } from './webhook-receiver.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(script: (number | 'hang')[] = []) {
  const r = await startReceiver(script);
  cleanups.push(r.close);
  return r;
}

function sender(hook: Record<string, unknown>, backoffMs = 20) {
  const { logger, lines } = captureLogger();
  const webhooks = new WebhookSender([webhookSchema.parse(hook)], { logger, backoffMs });
  cleanups.push(() => webhooks.close());
  return { webhooks, lines };
}

describe('webhooks', () => {
  it('delivers to a receiver that fails twice, on the third try, with growing pauses', async () => {
    const r = await receiver([500, 503]);
    const { webhooks, lines } = sender({ url: r.url, retries: 3 }, 100);
    webhooks.notify('drained', 1_700_000_000_000, { nodeId: 'pc101' });
    await webhooks.settled();
    expect(r.received.map((x) => x.answered)).toEqual([500, 503, 200]);
    const [first, second, third] = r.received;
    expect(new Set(r.received.map((x) => x.body.id)).size).toBe(1);
    expect(third!.body).toEqual({
      id: first!.body.id,
      event: 'drained',
      at: '2023-11-14T22:13:20.000Z',
      node: { nodeId: 'pc101' },
    });
    expect(third!.headers['content-type']).toBe('application/json');
    expect(third!.headers['x-dynslice-event']).toBe('drained');
    // Pauses of at least 100 ms, then 200 ms (timers never fire early).
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(100);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(200);
    const failures = lines.filter((l) => l.msg === 'webhook delivery failed');
    expect(failures.map((l) => l.attempt)).toEqual([1, 2]);
    // Webhook URLs often hold a secret: only the host is logged.
    expect(JSON.stringify(lines)).not.toContain('secret-path');
  });

  it('gives up after the configured retries', async () => {
    const r = await receiver([500, 500, 500, 500]);
    const { webhooks, lines } = sender({ url: r.url, retries: 1 });
    webhooks.notify('failed', Date.now(), {});
    await webhooks.settled();
    expect(r.received).toHaveLength(2);
    expect(lines.filter((l) => l.msg === 'webhook delivery failed').map((l) => l.willRetry)).toEqual([true, false]);
  });

  it('cuts off a receiver that does not answer within timeoutSeconds, and never makes notify wait', async () => {
    const r = await receiver(['hang', 'hang']);
    const { webhooks, lines } = sender({ url: r.url, retries: 1, timeoutSeconds: 0.2 });
    // notify hands the delivery to the background: it returns nothing to wait for.
    expect(webhooks.notify('forced', Date.now(), {})).toBeUndefined();
    expect(webhooks.pending).toBe(1);
    await webhooks.settled();
    expect(r.received).toHaveLength(2);
    expect(lines.filter((l) => l.msg === 'webhook delivery failed').map((l) => l.outcome)).toEqual([
      'timeout',
      'timeout',
    ]);
  });

  it('posts only the events a hook chose', async () => {
    const r = await receiver();
    const { webhooks } = sender({ url: r.url, events: ['work-lost'] });
    webhooks.notify('drained', Date.now(), {});
    webhooks.notify('work-lost', Date.now(), {});
    await webhooks.settled();
    expect(r.received.map((x) => x.body.event)).toEqual(['work-lost']);
  });

  it('an agent posts drain-started, drained, released, failed, forced and work-lost as its nodes go through them', async () => {
    const r = await receiver();
    const observed = await startObservedAgent({
      webhooks: [{ url: r.url }],
      drain: { steps: [{ name: 'stop', run: 'stop', verify: 'check', verifyAttempts: 1 }], bestEffortSeconds: 0.2 },
    });
    cleanups.push(observed.stop);
    // pc102's verify fails (held); pc103's run hangs, so the best-effort window forces it.
    observed.runner.when((c) => c.target.nodeId === 'pc102' && c.command === 'check', { code: 1 });
    observed.runner.when((c) => c.target.nodeId === 'pc103', HANG);
    await observed.countdown(300, NODES.slice(0, 2));
    await observed.countdown(0, NODES.slice(2));
    await vi.waitFor(
      () => expect(observed.agent.slice.get('pc103')?.ensureStarted().getSnapshot().value).toBe('forced'),
      { timeout: 5_000 },
    );
    await observed.call('NotifyDeleteComplete', { nodelist: NODES.map((n) => ({ ...n, max_wait_time: 0 })) });
    await vi.waitFor(
      () => expect(r.received.some((x) => x.body.event === 'work-lost' && x.body.node.nodeId === 'pc102')).toBe(true),
      { timeout: 5_000 },
    );
    const byNode = (id: string) => r.received.filter((x) => x.body.node.nodeId === id).map((x) => x.body.event);
    expect(byNode('pc101')).toEqual(['drain-started', 'drained', 'released']);
    expect(byNode('pc102')).toEqual(['drain-started', 'failed', 'work-lost']);
    expect(byNode('pc103')).toEqual(['drain-started', 'released', 'forced', 'work-lost']);
    expect(r.received.find((x) => x.body.event === 'drained')?.body.node).toMatchObject({
      nodeId: 'pc101',
      clientId: 'node1',
      state: 'drained',
      released: true,
    });
  });
});

describe('webhook URLs with secrets in them', () => {
  it('sends the userinfo as Basic auth, and logs neither it, nor the path, nor the query', async () => {
    const r = await receiver([500]);
    const url = new URL(r.url);
    url.username = 'hook-user';
    url.password = 'p@ss:word';
    url.search = '?key=query-secret';
    const { webhooks, lines } = sender({ url: url.href, retries: 1 });
    webhooks.notify('drained', 1_700_000_000_000, { nodeId: 'pc101' });
    await webhooks.settled();
    expect(r.received.map((x) => x.answered)).toEqual([500, 200]);
    expect(r.received[1]!.headers.authorization).toBe(`Basic ${Buffer.from('hook-user:p@ss:word').toString('base64')}`);
    const logged = JSON.stringify(lines);
    for (const secret of ['hook-user', 'p%40ss', 'p@ss', 'query-secret', 'secret-path'])
      expect(logged).not.toContain(secret);
    expect(lines.find((l) => l.msg === 'webhook delivery failed')?.url).toBe(`http://${url.host}`);
  });

  it('keeps them out of the log when the receiver cannot be reached', async () => {
    const r = await receiver();
    const url = new URL(r.url);
    await r.close();
    url.username = 'hook-user';
    url.password = 'hook-password';
    const { webhooks, lines } = sender({ url: url.href, retries: 0 });
    webhooks.notify('drained', 1_700_000_000_000, { nodeId: 'pc101' });
    await webhooks.settled();
    const failed = lines.find((l) => l.msg === 'webhook delivery failed');
    expect(failed?.outcome).toBe('unreachable: ECONNREFUSED');
    expect(JSON.stringify(lines)).not.toContain('hook-password');
  });
});
