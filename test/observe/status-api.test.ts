import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { NodeView } from '../../src/observe/node-view.js';
import { HANG } from '../helpers/fake-ssh-runner.js';
import { NODES, type ObservedAgent, sample, startObservedAgent } from './observed-agent.js';
import { readEvents } from './sse-reader.js';

type NodesReply = { now: number; nodes: NodeView[] };

describe('status API and metrics under a real countdown', () => {
  let observed: ObservedAgent;
  let events: Awaited<ReturnType<typeof readEvents>>;
  let releaseHangingRun: () => void = () => {};
  const nodes = async () => {
    const reply = await observed.api<NodesReply>('/api/nodes?timeline=1');
    expect(reply.status).toBe(200);
    return new Map(reply.body.nodes.map((n) => [n.nodeId, n]));
  };
  const metrics = async () => (await observed.api('/metrics')).text;

  beforeAll(async () => {
    observed = await startObservedAgent();
    // pc102's run hangs until the test lets it go; pc103's verify never passes.
    const gate = new Promise<void>((resolve) => (releaseHangingRun = resolve));
    observed.runner.when(
      (c) => c.target.nodeId === 'pc102' && c.command.startsWith('pkill'),
      async () => {
        await gate;
        return HANG;
      },
    );
    observed.runner.when((c) => c.target.nodeId === 'pc103' && c.command.startsWith('!'), {
      code: 1,
      stderr: 'my-job still running',
    });
    events = await readEvents(`${observed.status.url}/api/events`);
  });

  afterAll(async () => {
    releaseHangingRun();
    await events?.close();
    await observed?.stop();
  });

  it('lists every node, not revoked, before any countdown', async () => {
    const before = await nodes();
    expect([...before.keys()]).toEqual(NODES.map((n) => n.node_id));
    const pc101 = before.get('pc101')!;
    expect(pc101).toMatchObject({
      clientId: 'node1',
      host: 'node1.example.test',
      state: 'allocated',
      deadline: null,
      secondsLeft: null,
      released: false,
      step: null,
      eta: null,
    });
    const text = await metrics();
    expect(sample(text, `dynslice_nodes{state="${pc101.stateName}"}`)).toBe(3);
    expect(sample(text, 'dynslice_drains_started_total')).toBe(0);
    expect(events.status).toBe(200);
    expect(events.contentType).toMatch(/^text\/event-stream/);
    expect(events.messages[0]?.event).toBe('nodes');
    expect(events.messages[0]?.data.nodes).toHaveLength(3);
  });

  it('shows each node draining, drained or held with its step, deadline, ETA and failure', async () => {
    const sentAt = Date.now();
    const reply = await observed.countdown(120);
    expect(reply.every((e) => e.max_wait_time === 120)).toBe(true);
    await vi.waitFor(
      async () => {
        const now = await nodes();
        expect(now.get('pc101')?.state).toBe('drained');
        expect(now.get('pc103')?.state).toBe('held');
      },
      { timeout: 5_000, interval: 50 },
    );
    const now = await nodes();
    const [pc101, pc102, pc103] = ['pc101', 'pc102', 'pc103'].map((id) => now.get(id)!);
    expect(pc101).toMatchObject({
      released: true,
      failure: null,
      step: { step: 'stop-jobs', phase: 'verify', code: 0 },
    });
    expect(pc101!.releasedAt).toBeGreaterThanOrEqual(sentAt);
    expect(pc102).toMatchObject({ state: 'draining', released: false, step: { step: 'stop-jobs', phase: 'run' } });
    expect(pc102!.step?.finishedAt).toBeUndefined();
    expect(pc102!.deadline).toBeGreaterThanOrEqual(sentAt + 120_000);
    expect(pc102!.secondsLeft).toBeGreaterThan(100);
    expect(pc102!.secondsLeft).toBeLessThanOrEqual(120);
    // pc101's drain is the observed figure pc102's ETA is based on.
    expect(pc102!.etaBasis).toBe('observed');
    expect(pc102!.eta).toBeLessThanOrEqual(pc102!.deadline!);
    expect(pc103).toMatchObject({ state: 'held', released: false });
    expect(pc103!.failure).toMatch(/verify did not pass/);
    expect(pc101!.timeline?.map((e) => e.kind)).toEqual(expect.arrayContaining(['drain-started', 'step', 'released']));
  });

  it('counts the drains, their durations and the time given back early', async () => {
    const text = await metrics();
    expect(sample(text, 'dynslice_drains_started_total')).toBe(3);
    expect(sample(text, 'dynslice_drains_verified_total')).toBe(1);
    expect(sample(text, 'dynslice_drains_failed_total')).toBe(1);
    expect(sample(text, 'dynslice_nodes{state="drained"}')).toBe(1);
    expect(sample(text, 'dynslice_nodes{state="held"}')).toBe(1);
    expect(sample(text, 'dynslice_drain_duration_seconds_count{outcome="drained"}')).toBe(1);
    expect(sample(text, 'dynslice_drain_duration_seconds_count{outcome="held"}')).toBe(1);
    expect(sample(text, 'dynslice_release_lead_seconds_count')).toBe(1);
    const early = sample(text, 'dynslice_node_seconds_released_early_total')!;
    expect(early).toBeGreaterThan(100);
    expect(early).toBeLessThanOrEqual(120);
    expect(sample(text, 'dynslice_endpoint_requests_total{method="NotifyDeletePending",code="0"}')).toBe(1);
    expect(sample(text, 'dynslice_endpoint_reply_seconds_count{method="NotifyDeletePending"}')).toBe(1);
  });

  it('streams every state change over SSE, and each changed node as it is now', async () => {
    const changes = (): string[] =>
      events.messages.filter((m) => m.event === 'state').map((m) => `${m.data.nodeId}:${m.data.to}`);
    // Updates go out in batches every 100 ms: the last batch may still be on its way.
    await vi.waitFor(() => expect(changes()).toEqual(expect.arrayContaining(['pc101:drained', 'pc103:held'])), {
      timeout: 5_000,
      interval: 50,
    });
    await vi.waitFor(
      () =>
        expect(
          events.messages.filter((m) => m.event === 'node' && m.data.node.nodeId === 'pc101').at(-1)?.data.node.state,
        ).toBe('drained'),
      { timeout: 5_000, interval: 50 },
    );
    expect(changes().filter((c) => c.startsWith('pc102:draining'))).toHaveLength(1);
    const pc101 = events.messages.filter((m) => m.event === 'node' && m.data.node.nodeId === 'pc101').at(-1)?.data.node;
    expect(pc101?.state).toBe('drained');
    const steps = pc101.timeline
      .filter((e: { kind: string }) => e.kind === 'step')
      .map((e: { text: string }) => e.text);
    expect(steps).toEqual(['stop-jobs: run', 'stop-jobs: run exit 0', 'stop-jobs: verify', 'stop-jobs: verify passed']);
  });

  it('reports the drained node released in the next reply, and counts work lost at deletion', async () => {
    const reply = await observed.countdown(60);
    expect(reply.map((e) => [e.node_id, e.max_wait_time])).toEqual([
      ['pc101', 0],
      ['pc102', 60],
      ['pc103', 60],
    ]);
    await observed.call('NotifyDeleteComplete', { nodelist: NODES.map((n) => ({ ...n, max_wait_time: 0 })) });
    await vi.waitFor(async () => expect([...(await nodes()).values()].every((n) => n.state === 'deleted')).toBe(true), {
      timeout: 5_000,
    });
    const text = await metrics();
    expect(sample(text, 'dynslice_work_lost_total')).toBe(2);
    expect(sample(text, 'dynslice_nodes{state="deleted"}')).toBe(3);
    expect(sample(text, 'dynslice_endpoint_requests_total{method="NotifyDeletePending",code="0"}')).toBe(2);
    expect(sample(text, 'dynslice_endpoint_requests_total{method="NotifyDeleteComplete",code="0"}')).toBe(1);
    expect(sample(text, 'dynslice_drain_duration_seconds_count{outcome="deleted"}')).toBe(1);
  });

  it('counts a call to a method it does not serve under method "unknown"', async () => {
    await expect(observed.call('DropTables', {})).rejects.toThrow(/-32601/);
    expect(sample(await metrics(), 'dynslice_endpoint_requests_total{method="unknown",code="-32601"}')).toBe(1);
  });
});

describe('status server with a token', () => {
  const token = 'status-token-0123456789abcdef';
  let observed: ObservedAgent;
  beforeAll(async () => (observed = await startObservedAgent({}, token)));
  afterAll(async () => observed?.stop());

  it('refuses /api and /metrics without the bearer token, and serves the page itself', async () => {
    expect((await observed.api('/api/nodes', '')).status).toBe(401);
    expect((await observed.api('/metrics', '')).status).toBe(401);
    expect((await observed.api('/api/nodes', 'wrong-token-0123456789abcdef')).status).toBe(401);
    expect((await observed.api('/api/nodes')).status).toBe(200);
    // A token in the URL is taken only where the browser cannot send a header: the event stream.
    expect((await observed.api(`/api/nodes?token=${token}`, '')).status).toBe(401);
    expect((await observed.api(`/metrics?token=${token}`, '')).status).toBe(401);
    const stream = await readEvents(`${observed.status.url}/api/events?token=${token}`);
    expect(stream.status).toBe(200);
    await stream.close();
    expect((await observed.api('/', '')).status).toBe(200);
    expect(observed.status.dashboardUrl).toBe(`${observed.status.url}/#token=${token}`);
  });

  it('never writes the token to the log', () => {
    expect(JSON.stringify(observed.lines)).not.toContain(token);
  });
});
