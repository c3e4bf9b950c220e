import { Prng } from '../helpers/prng.js';
import type { AgentWorld } from '../model/agent-world.js';
import type { DecodedReply, WireEntry } from '../model/invariants.js';
import type { ManifestSlice } from '../model/manifest-world.js';
import { Behave, ReadFails, Relist, Unlist } from '../model/model-commands.js';
import type { ModelHarness } from '../model/model-harness.js';

export const MINUTE_MS = 60_000;
export const DAY_MINUTES = 1_440;

/** The soak's slice: pc101 … as node_ids, node1 … as client_ids (the format-1 state directory's names), their hosts. */
export const soakSlice = (nodes: number): ManifestSlice => ({
  listed: Array.from({ length: nodes }, (_, i) => `pc${101 + i}`),
  clientIdOf: (nodeId) => `node${Number(nodeId.slice(2)) - 100}`,
  hostOf: (clientId) => `${clientId}.exp.proj.utah.cloudlab.us`,
});

export interface SoakCounts {
  calls: Record<'NotifyDeletePending' | 'NotifyDeleteComplete' | 'SetResourceValues', number>;
  countdownEntries: number;
  waves: number;
  /** Countdowns sent when the last two replies released as many nodes: repeats that change nothing, mostly. */
  repeats: number;
  lateRetries: number;
  /** Waves whose NotifyDeleteComplete the agent never got: the manifest says it. */
  lostDeletions: number;
  reAdds: number;
  joined: number;
  reads: { ok: number; failed: number };
  restarts: { crash: number; clean: number };
}

/** What a wave does besides counting down: a node whose drain step never finishes, a restart at a tick. */
interface WaveShape {
  full?: boolean;
  hang?: boolean;
  restart?: { tick: number; kind: 'crash' | 'clean' };
}

interface Task {
  minute: number;
  wave: boolean;
  run: () => Promise<void>;
}

/** A measured countdown: the journal bytes it cost, and how many entries it had. */
export type RepeatSample = { bytes: number; entries: number };

/** How many entries a countdown reply released (max_wait_time 0). */
const releasedBy = (reply: DecodedReply): number =>
  reply.code === 0 ? (reply.value as WireEntry[]).filter((entry) => entry.max_wait_time === 0).length : -1;

/**
 * The cluster of a simulated month, on the world's SimulatedClock: waves of countdowns ending in
 * NotifyDeleteComplete (some lost), value changes, nodes leaving the manifest, coming back and
 * joining, hourly reads (some failing), restarts clean and crashed, one node whose drain hangs.
 * Every move goes through the model harness, which checks every invariant after it.
 */
export class SoakCluster {
  readonly counts: SoakCounts = {
    calls: { NotifyDeletePending: 0, NotifyDeleteComplete: 0, SetResourceValues: 0 },
    countdownEntries: 0,
    waves: 0,
    repeats: 0,
    lateRetries: 0,
    lostDeletions: 0,
    reAdds: 0,
    joined: 0,
    reads: { ok: 0, failed: 0 },
    restarts: { crash: 0, clean: 0 },
  };
  /** In the slice as the cluster sees it: listed and not deleted. */
  readonly alive: Set<string>;
  /** Deleted and out of the manifest: may come back. */
  readonly gone: string[] = [];
  /** Every node_id a call named, and every one the manifest listed. */
  readonly named = new Set<string>();
  readonly everListed: Set<string>;
  /** The node whose drain step hung, once its wave is over. */
  hungNode: string | undefined;
  /** Its drain's command was still running after the countdown that started it. */
  hangSeen = false;
  /** What became of it before the cluster deleted it (state, and the forced reason if any). */
  hungOutcome = '';
  private readonly prng: Prng;
  private readonly agenda: Task[] = [];
  private readonly t0: number;
  private nextIndex: number;
  private inWave = false;

  constructor(
    private readonly h: ModelHarness<AgentWorld>,
    private readonly slice: ManifestSlice,
    private readonly options: {
      days: number;
      seed: number;
      /** Sends a repeated countdown (`send` resolves true when its reply released what the last one did). */
      onRepeat?: (send: () => Promise<boolean>) => Promise<unknown>;
    },
  ) {
    this.prng = new Prng(options.seed);
    this.t0 = h.world.now();
    const listed = h.world.manifest!.listed;
    this.alive = new Set(listed);
    this.everListed = new Set(listed);
    this.nextIndex = Math.max(...[...listed].map((id) => Number(id.slice(2)))) + 1;
  }

  /** The day a wave counts the whole slice down, for up to a day (the second day, or the only one). */
  private get fullWaveDay(): number {
    return Math.min(1, this.options.days - 1);
  }

  get minute(): number {
    return Math.floor((this.h.world.now() - this.t0) / MINUTE_MS);
  }

  /** Runs the month, calling `checkpoint` at the end of every simulated day. */
  async run(checkpoint: (day: number) => Promise<void>): Promise<void> {
    for (let day = 0; day < this.options.days; day += 1) {
      this.plan(day);
      const end = (day + 1) * DAY_MINUTES;
      for (let task = this.agenda[0]; task && task.minute < end; task = this.agenda[0]) {
        await this.advanceTo(task.minute);
        this.agenda.shift();
        await task.run();
      }
      await this.advanceTo(end);
      await checkpoint(day);
    }
  }

  /** One simulated day's moves, at random minutes (the seed replays them). */
  private plan(day: number): void {
    const { prng } = this;
    const base = day * DAY_MINUTES;
    const at = () => base + prng.int(0, DAY_MINUTES - 1);
    for (let hour = 0; hour < 24; hour += 1) this.add(base + hour * 60, async () => void (await this.read()));
    const waves = prng.int(2, 4);
    for (let i = 0; i < waves; i += 1) {
      const shape: WaveShape = { hang: day === 0 && i === 0 };
      if (prng.chance(0.4) || (day === 0 && i === 1))
        shape.restart = { tick: prng.int(1, 4), kind: prng.chance(0.6) || i === 1 ? 'crash' : 'clean' };
      this.add(at(), () => this.wave(shape), true);
    }
    if (day === this.fullWaveDay) this.add(base + 120, () => this.wave({ full: true }), true);
    for (let i = prng.int(1, 3); i > 0; i -= 1) this.add(at(), () => this.values());
    for (let i = prng.int(2, 3); i > 0; i -= 1) this.add(at(), () => this.reAdd());
    if (prng.chance(0.5)) this.add(at(), () => this.join());
    if (prng.chance(0.4)) {
      const from = at();
      this.add(from, () => this.readsFail(true));
      this.add(from + prng.int(60, 180), () => this.readsFail(false));
    }
    if (prng.chance(0.3) || day === 0)
      this.add(at(), () => this.restart(prng.chance(0.5) || day === 0 ? 'clean' : 'crash'));
  }

  private add(minute: number, run: () => Promise<void>, wave = false): void {
    this.agenda.push({ minute, run, wave });
    this.agenda.sort((a, b) => a.minute - b.minute);
  }

  /** Moves the clock minute by minute, so that timers and the work they start interleave as in a real day. */
  private async advanceTo(minute: number): Promise<void> {
    while (this.minute < minute) await this.h.world.advance(MINUTE_MS);
  }

  /** During a wave, the other moves that are due (a wave due meanwhile waits for this one to end). */
  private async dueTasks(): Promise<void> {
    for (;;) {
      const index = this.agenda.findIndex((task) => task.minute <= this.minute && !task.wave);
      if (index < 0) return;
      const [task] = this.agenda.splice(index, 1);
      await task!.run();
    }
  }

  private entry(nodeId: string, extra: Partial<WireEntry>): WireEntry {
    this.named.add(nodeId);
    return { node_id: nodeId, client_id: this.slice.clientIdOf(nodeId), ...extra };
  }

  private pick(from: readonly string[], count: number): string[] {
    const pool = [...from];
    const picked: string[] = [];
    while (picked.length < count && pool.length > 0) picked.push(pool.splice(this.prng.int(0, pool.length - 1), 1)[0]!);
    return picked;
  }

  private async countdown(entries: WireEntry[]): Promise<DecodedReply> {
    this.counts.calls.NotifyDeletePending += 1;
    this.counts.countdownEntries += entries.length;
    return this.h.countdown(entries);
  }

  /**
   * A countdown: max_wait_time falls by 60 every minute to 0, repeated after every node is released
   * (unless the cluster takes them early), then NotifyDeleteComplete and the nodes leave the manifest.
   */
  private async wave(shape: WaveShape): Promise<void> {
    const { prng, h } = this;
    const pool = [...this.alive];
    if (pool.length === 0) return;
    const size = shape.full
      ? pool.length
      : prng.int(Math.max(1, Math.ceil(pool.length * 0.02)), Math.max(1, Math.ceil(pool.length * 0.1)));
    const nodes = this.pick(pool, size);
    const minutes = shape.full ? Math.min(24, this.options.days) * 60 : prng.pick([5, 10, 20, 30]);
    const takesEarly = !shape.full && prng.chance(0.5);
    this.counts.waves += 1;
    this.inWave = true;
    if (prng.chance(0.5)) await this.setValues(nodes.map((id) => this.entry(id, { value: prng.pick([0.2, 0.5, 1]) })));
    if (shape.hang) {
      this.hungNode = nodes[0]!;
      await new Behave(this.hungNode, 'hang').run(h.model, h);
    }
    // How many entries the last two replies released: the same twice, the next countdown is a repeat.
    const released: number[] = [];
    for (let tick = 0, wait = minutes * 60; wait >= 0; tick += 1, wait -= 60) {
      await this.dueTasks();
      if (shape.restart?.tick === tick) await this.restart(shape.restart.kind);
      const entries = nodes.map((id) => this.entry(id, { max_wait_time: wait }));
      const steady = released.length >= 2 && released.at(-1) === released.at(-2) && wait > 0;
      let reply: DecodedReply | undefined;
      const send = async () => {
        reply = await this.countdown(entries);
        return releasedBy(reply) === released.at(-1);
      };
      if (steady) {
        this.counts.repeats += 1;
        await this.options.onRepeat?.(send);
      }
      reply ??= await this.countdown(entries);
      if (shape.hang && tick === 0) this.hangSeen = h.world.runner.heldCount > 0;
      if (prng.chance(0.03)) {
        this.counts.lateRetries += 1;
        await this.countdown(entries);
      }
      // A restart repeats the last countdown: the model keeps only that one (a day-long wave is 1,440 of them).
      h.model.countdowns.splice(0, h.model.countdowns.length - 1);
      released.push(releasedBy(reply));
      if (released.at(-1) === nodes.length && takesEarly && prng.chance(0.5)) break;
      if (wait > 0) await this.advanceTo(this.minute + 1);
    }
    if (shape.hang) {
      const view = h.world.view(this.hungNode!);
      const reason = view?.context.forcedReason;
      this.hungOutcome = `${view?.state}${reason ? ` (${reason})` : ''}`;
    }
    if (prng.chance(0.05)) this.counts.lostDeletions += 1;
    else {
      this.counts.calls.NotifyDeleteComplete += 1;
      await h.deleteComplete(nodes.map((id) => this.entry(id, { max_wait_time: 0 })));
    }
    if (shape.hang) await new Behave(this.hungNode!, 'ok').run(h.model, h);
    for (const id of nodes) {
      this.alive.delete(id);
      await new Unlist(id).run(h.model, h);
      this.gone.push(id);
    }
    // The next countdown names other nodes: a restart between waves has none to repeat.
    h.model.countdowns.length = 0;
    this.inWave = false;
  }

  private async setValues(entries: WireEntry[]): Promise<void> {
    this.counts.calls.SetResourceValues += 1;
    await this.h.setValues(entries);
  }

  /** New values for some of the slice's nodes, and now and then for nodes outside it (no client_id). */
  private async values(): Promise<void> {
    const { prng } = this;
    const alive = [...this.alive];
    const picked = this.pick(alive, prng.int(1, Math.max(1, Math.ceil(alive.length * 0.3))));
    const entries = picked.map((id) => this.entry(id, { value: prng.pick([0.1, 0.25, 0.5, 0.8, 1]) }));
    if (prng.chance(0.3) && this.gone.length > 0) {
      const outside = prng.pick(this.gone);
      this.named.add(outside);
      entries.push({ node_id: outside, value: 1 });
    }
    if (entries.length > 0) await this.setValues(entries);
  }

  /** Nodes the cluster deleted come back: the manifest lists them again, then SetResourceValues names them. */
  private async reAdd(): Promise<void> {
    const { h, prng } = this;
    const manifest = h.world.manifest!;
    const back: string[] = [];
    const count = Math.ceil(this.gone.length * (0.3 + 0.5 * prng.next()));
    for (const id of this.pick(this.gone, count)) {
      await new Relist(id).run(h.model, h);
      if (!manifest.listed.has(id)) continue;
      this.gone.splice(this.gone.indexOf(id), 1);
      back.push(id);
    }
    if (back.length === 0) return;
    this.counts.reAdds += back.length;
    await this.setValues(back.map((id) => this.entry(id, { value: 1 })));
    for (const id of back) this.alive.add(id);
  }

  /** The slice grows: nodes it never had join the manifest, then SetResourceValues names them. */
  private async join(): Promise<void> {
    const { h } = this;
    const manifest = h.world.manifest!;
    const ids = Array.from({ length: this.prng.int(1, 3) }, () => `pc${this.nextIndex++}`);
    for (const id of ids) {
      manifest.listed.add(id);
      this.everListed.add(id);
      h.model.listed(id, (nodeId) => h.world.newIncarnation(nodeId));
    }
    manifest.changed = true;
    await h.after();
    this.counts.joined += ids.length;
    await this.setValues(ids.map((id) => this.entry(id, { value: 1 })));
    for (const id of ids) this.alive.add(id);
  }

  /** The agent reads the manifest again (hourly, as reloadSeconds or SIGHUP would); it fails while geni-get cannot reach the cluster. */
  async read(): Promise<boolean> {
    const { h } = this;
    const ok = await h.world.agent.reloadNodes();
    this.counts.reads[ok ? 'ok' : 'failed'] += 1;
    await h.after();
    return ok;
  }

  private async readsFail(failing: boolean): Promise<void> {
    await new ReadFails(failing).run(this.h.model, this.h);
  }

  /** A restart; between waves there is no countdown to repeat around it. */
  private async restart(kind: 'crash' | 'clean'): Promise<void> {
    this.counts.restarts[kind] += 1;
    if (!this.inWave) this.h.model.countdowns.length = 0;
    await this.h.restart(kind);
  }

  /** Whether reads fail now. */
  get readsFailing(): boolean {
    return this.h.world.manifest!.failing;
  }
}
