import type { Policy } from '../cluster/cluster-client.js';
import { wholeNumber } from '../cluster/protogeni-reply.js';
import { type ClientCallResult, callClient } from './client-caller.js';
import type { PerlData } from './perl-xml.js';
import type { Scenario } from './scenario.js';
import type { CountdownFault, NodeOutcome, SentEntry, SimEvent, SimNode, SimRecord } from './sim-record.js';
import { lifoValues, planWaves } from './wave-plan.js';

export interface CountdownRunDeps {
  /** The registered client endpoint. */
  endpointUrl: string;
  policy: Policy;
  /** The slice's nodes, oldest first. */
  nodes: readonly SimNode[];
  scenario: Scenario;
  /** max_wait_time of each node's first countdown call. */
  waitTime: number;
  onEvent?: (event: SimEvent) => void;
  signal?: AbortSignal;
}

const wireEntry = (node: SimNode, maxWaitTime?: number): PerlData => ({
  node_id: node.nodeId,
  ...(node.clientId === null ? {} : { client_id: node.clientId }),
  ...(maxWaitTime === undefined ? {} : { max_wait_time: maxWaitTime }),
});

/** Node ids a countdown reply hands back now: entries echoed with max_wait_time 0. */
function releasedBy(call: ClientCallResult): Set<string> {
  if (call.code !== 0 || !Array.isArray(call.value)) return new Set();
  const ids = (call.value as unknown[])
    .filter(
      (e): e is Record<string, unknown> =>
        typeof e === 'object' && e !== null && wholeNumber((e as Record<string, unknown>).max_wait_time) === 0,
    )
    .map((e) => String(e.node_id));
  return new Set(ids);
}

function sleepUntil(time: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, time - Date.now()));
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Plays one revocation the way the cluster does: SetResourceValues (LIFO), then a NotifyDeletePending
 * every `interval` seconds with falling max_wait_time, dropping the nodes a reply released, and a
 * NotifyDeleteComplete once every node of a wave is gone.
 */
export async function runCountdown(deps: CountdownRunDeps): Promise<SimRecord> {
  const { scenario, waitTime, signal } = deps;
  const url = new URL(deps.endpointUrl);
  const startedAt = Date.now();
  const at = () => Date.now() - startedAt;
  const events: SimEvent[] = [];
  const emit = (event: SimEvent): void => {
    events.push(event);
    deps.onEvent?.(event);
  };
  const post = (method: string, params: PerlData, dropReply = false) =>
    callClient(url, method, params, { timeoutMs: scenario.replyTimeoutSeconds * 1000, dropReply });
  const waves = planWaves(deps.nodes, scenario.waves);
  const outcomes: NodeOutcome[] = waves.flatMap((wave) =>
    wave.nodes.map((node) => ({
      ...node,
      wave: wave.index,
      revokedAtTick: wave.tick,
      end: 'pending' as const,
      endTick: null,
      givenBackSeconds: 0,
      deletedAt: null,
    })),
  );

  if (deps.policy === 'LIFO') {
    const entries = lifoValues(deps.nodes, scenario.otherNodes);
    const call = await post('SetResourceValues', {
      nodelist: entries.map((e) => ({ ...(wireEntry(e) as object), value: e.value })),
    });
    emit({ type: 'values', at: at(), entries, call });
  }
  const deleted = new Set<number>();

  /** One countdown call (twice for a duplicated tick); records what each reply released. */
  async function countdown(
    tick: number,
    pending: NodeOutcome[],
    faults: CountdownFault[],
    cannotWait: ReadonlySet<string>,
  ): Promise<void> {
    const sent: SentEntry[] = pending.map((o) => ({
      nodeId: o.nodeId,
      clientId: o.clientId,
      maxWaitTime: cannotWait.has(o.nodeId)
        ? 0
        : Math.max(0, Math.round(waitTime - (tick - o.revokedAtTick) * scenario.interval)),
    }));
    const taken = sent.filter((e) => e.maxWaitTime === 0).map((e) => e.nodeId);
    const calls = faults.includes('duplicated-tick') ? 2 : 1;
    const released = new Set<string>();
    for (let repeat = 0; repeat < calls; repeat += 1) {
      const dropReply = faults.includes('reply-timeout') && repeat === calls - 1;
      const call = await post(
        'NotifyDeletePending',
        { nodelist: sent.map((e) => wireEntry(e, e.maxWaitTime)) },
        dropReply,
      );
      const early = [...releasedBy(call)].filter((id) => sent.some((e) => e.nodeId === id && e.maxWaitTime > 0));
      for (const id of early) released.add(id);
      emit({ type: 'countdown', tick, at: at(), sent, released: early, taken, faults, repeat: repeat > 0, call });
    }
    for (const entry of sent) {
      const outcome = pending.find((o) => o.nodeId === entry.nodeId)!;
      if (entry.maxWaitTime === 0)
        Object.assign(outcome, { end: cannotWait.has(entry.nodeId) ? 'no-wait' : 'deadline', endTick: tick });
      else if (released.has(entry.nodeId))
        Object.assign(outcome, { end: 'released', endTick: tick, givenBackSeconds: entry.maxWaitTime });
    }
  }

  /** NotifyDeleteComplete for every wave whose nodes are all gone (once per wave). */
  async function deleteFinishedWaves(): Promise<void> {
    for (const wave of waves) {
      const gone = outcomes.filter((o) => o.wave === wave.index);
      if (deleted.has(wave.index) || gone.length === 0 || gone.some((o) => o.end === 'pending')) continue;
      deleted.add(wave.index);
      const call = await post('NotifyDeleteComplete', { nodelist: wave.nodes.map((n) => wireEntry(n, 0)) });
      const when = at();
      for (const o of gone) o.deletedAt = when;
      emit({ type: 'deleted', at: when, nodes: wave.nodes.map((n) => n.nodeId), call });
    }
  }

  const lastWaveTick = Math.max(...waves.map((w) => w.tick));
  const missed = scenario.faults.filter((f) => f.kind === 'missed-tick').length;
  const lastTick = lastWaveTick + Math.ceil(waitTime / scenario.interval) + 1 + missed;
  for (let tick = 1; tick <= lastTick && !signal?.aborted; tick += 1) {
    await sleepUntil(startedAt + (tick - 1) * scenario.interval * 1000, signal);
    if (signal?.aborted) break;
    const pending = outcomes.filter((o) => o.end === 'pending' && o.revokedAtTick <= tick);
    if (pending.length === 0 && tick >= lastWaveTick) break;
    if (pending.length === 0) continue;
    const faults = scenario.faults.filter((f) => f.tick === tick);
    if (faults.some((f) => f.kind === 'missed-tick')) {
      emit({ type: 'missed', tick, at: at() });
      continue;
    }
    const noWait = faults.find((f) => f.kind === 'no-wait');
    const cannotWait = new Set(noWait?.kind === 'no-wait' ? (noWait.nodes ?? pending.map((o) => o.nodeId)) : []);
    await countdown(
      tick,
      pending,
      faults.map((f) => f.kind).filter((k): k is CountdownFault => k !== 'missed-tick'),
      cannotWait,
    );
    await deleteFinishedWaves();
  }
  return {
    scenario: scenario.name,
    startedAt,
    durationMs: at(),
    interval: scenario.interval,
    waitTime,
    events,
    nodes: outcomes,
  };
}
