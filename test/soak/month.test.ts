import { describe, expect, it } from 'vitest';
import { stateName } from '../../src/slice/node-actor.js';
import { AgentWorld } from '../model/agent-world.js';
import { ClusterModel } from '../model/cluster-model.js';
import { InvariantViolation, nodeSetMatches } from '../model/invariants.js';
import { ManifestWorld } from '../model/manifest-world.js';
import { ModelHarness, totals } from '../model/model-harness.js';
import { bindEarlierLife, FORMAT_1_STATE, modelEarlierCalls, readEarlierLife } from './earlier-release.js';
import { type RepeatSample, SoakCluster, soakSlice } from './soak-cluster.js';
import {
  heapGrowthBound,
  journalRecords,
  memoryAfterGc,
  mib,
  perTargetSlice,
  REPEATED_COUNTDOWN_ALLOWANCE,
  repeatedCountdownBound,
  STATE_DIR_ALLOWANCE,
  stateDirBound,
  stateDirBytes,
  TARGET,
} from './soak-measure.js';

/** A simulated week of a 200-node slice by default; SOAK_DAYS and SOAK_NODES make it a month of 1,000. */
const DAYS = Number(process.env.SOAK_DAYS ?? 7);
const NODES = Number(process.env.SOAK_NODES ?? 200);
const SEED = Number(process.env.SOAK_SEED ?? 20261201);
/** The agent's default: a snapshot every 5,000 records; compaction keeps 3 journal files, the one written included. */
const COMPACT_EVERY = 5_000;
/** Records the journal may hold at any time: what compaction keeps, and a file's worth more (records past the threshold before a flush). */
const KEPT_RECORDS = 4 * COMPACT_EVERY;
/** Every how many repeated countdowns one is measured (each costs two flushes of the journal). */
const SAMPLE_EVERY = 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

describe('soak: one agent through a simulated month', () => {
  it(
    `${DAYS} simulated days of a ${NODES}-node slice upgraded from state format 1 keep every invariant, and disk and heap bounded`,
    async () => {
      const started = Date.now();
      const slice = soakSlice(NODES);
      const earlier = await readEarlierLife(FORMAT_1_STATE);
      // The nodes the cluster deleted before the upgrade are out of its manifest.
      const deletedBefore = earlier.calls.filter((c) => c.method === 'NotifyDeleteComplete').flatMap((c) => c.entries);
      const gone = new Set(deletedBefore.map((e) => e.node_id));
      const manifest = new ManifestWorld({ ...slice, listed: [...slice.listed].filter((id) => !gone.has(id)) });
      const model = new ClusterModel({
        configured: [],
        manifest: { reads: () => manifest.reads, readWithout: (id, since) => manifest.readWithout(id, since) },
      });
      for (const id of gone) model.unlisted(id);
      modelEarlierCalls(earlier, model);
      const world = await AgentWorld.start('hold', COMPACT_EVERY, manifest, FORMAT_1_STATE);
      const harness = new ModelHarness(world, model);
      try {
        bindEarlierLife(earlier, world, harness.ledger);
        await harness.after();
        // The format-1 state is read at the start of the month: its nodes as the first release left them.
        const state = (id: string) => stateName(world.agent.slice.get(id)!.snapshot!.value);
        expect([state('pc101'), state('pc103')]).toEqual(['drained', 'held']);
        expect(world.agent.slice.lives.get('pc104')).toMatchObject({ life: 'left', incarnation: 1 });

        const samples: RepeatSample[] = [];
        // The heap after a full GC: as the month starts (the agent up on the upgraded state), then every day.
        const heapAtStart = memoryAfterGc().heapUsed;
        const heaps: number[] = [];
        const disk = { peak: 0, end: { total: 0, journal: 0, snapshot: 0, segments: 0 } };
        const measureDisk = async () => {
          disk.end = await stateDirBytes(world.stateDir);
          disk.peak = Math.max(disk.peak, disk.end.total);
        };
        const cluster: SoakCluster = new SoakCluster(harness, slice, {
          days: DAYS,
          seed: SEED,
          onRepeat: async (send) => {
            if (cluster.counts.repeats % SAMPLE_EVERY !== 0) return send();
            const entries = () => harness.model.countdowns.at(-1)?.length ?? 0;
            await world.store.flush();
            const before = await stateDirBytes(world.stateDir);
            const unchanged = await send();
            await world.store.flush();
            await measureDisk();
            // A compaction in between is not the call's cost.
            if (unchanged && disk.end.snapshot === before.snapshot && disk.end.journal >= before.journal)
              samples.push({ bytes: disk.end.journal - before.journal, entries: entries() });
          },
        });

        await cluster.run(async () => {
          // Nothing lost: after a read that succeeded, the slice holds every node the manifest lists,
          // and every node_id the cluster named is a node, a life, or one the cluster deleted.
          if (!cluster.readsFailing && (await cluster.read())) {
            const { slice: agentSlice } = world.agent;
            nodeSetMatches(
              agentSlice.list().map((node) => node.nodeId),
              manifest.listed,
              (id) => cluster.named.has(id) || cluster.everListed.has(id),
            );
            for (const id of cluster.named) {
              if (agentSlice.get(id) || agentSlice.lives.get(id) || model.get(id)?.life.deleted) continue;
              throw new InvariantViolation('no node is lost', `${id}: named by the cluster, unknown to the agent`);
            }
          }
          // No drain command is left running between waves (the one that hung was stopped).
          expect(world.runner.heldCount).toBe(0);
          await measureDisk();
          heaps.push(memoryAfterGc().heapUsed);
        });
        const memory = memoryAfterGc();
        const records = await journalRecords(world.stateDir);

        const { counts } = cluster;
        const calls =
          counts.calls.NotifyDeletePending + counts.calls.NotifyDeleteComplete + counts.calls.SetResourceValues;
        // The largest calls measured say what a repeat costs per entry: projected to the target's 1,000 nodes and day.
        const widest = Math.max(0, ...samples.map((s) => s.entries));
        const widestBytes = median(samples.filter((s) => s.entries === widest).map((s) => s.bytes));
        const projected = perTargetSlice(widestBytes, widest);
        const overBound = samples.filter((s) => s.bytes > repeatedCountdownBound(s.entries));
        // Each node may keep its state machine and its timeline; beyond that, nothing per call, restart or life.
        const growth = (heaps.at(-1) ?? 0) - heapAtStart;
        const heapBound = heapGrowthBound(cluster.everListed.size);
        const errors = world.lines.filter((line) => line.level >= 50).map((line) => line.msg);
        console.log(
          [
            `soak: seed ${SEED}, ${DAYS} simulated days, ${NODES} nodes (${manifest.listed.size} listed at the end), ${((Date.now() - started) / 1000).toFixed(1)} s`,
            `  ${calls} calls: ${counts.calls.NotifyDeletePending} countdowns (${counts.countdownEntries} entries, ${counts.repeats} repeats releasing nothing new, ${counts.lateRetries} late retries), ${counts.calls.NotifyDeleteComplete} deletions (${counts.lostDeletions} lost), ${counts.calls.SetResourceValues} SetResourceValues`,
            `  ${counts.waves} waves, ${counts.reAdds} nodes re-added, ${counts.joined} joined; reads ${counts.reads.ok} ok, ${counts.reads.failed} failed; restarts ${counts.restarts.crash} crash + ${counts.restarts.clean} clean (${totals.sameReplies} with the same call compared)`,
            `  state dir at the end ${mib(disk.end.total)} (journal ${mib(disk.end.journal)} in ${disk.end.segments} segments, snapshot ${mib(disk.end.snapshot)}; ${records.kept} of ${records.lastSeq} records written kept), peak ${mib(disk.peak)}; bound ${mib(stateDirBound(NODES))} = ${STATE_DIR_ALLOWANCE} × the target ${mib(stateDirBound(NODES, 1))}`,
            `  repeated countdown: ${widestBytes} B of journal for ${widest} entries (median of ${samples.filter((s) => s.entries === widest).length}; ${samples.length} measured, largest ${Math.max(...samples.map((s) => s.bytes))} B); projected ${Math.round(projected)} B per ${TARGET.nodes}-node repeat (target ${TARGET.repeatedCountdownBytes} B, bound ${REPEATED_COUNTDOWN_ALLOWANCE} ×), ${mib(projected * TARGET.countdownsPerDay)} per ${TARGET.nodes}-node day (target ${mib(TARGET.dayBytes)})`,
            `  heap after GC ${mib(heapAtStart)} at the start → ${mib(heaps.at(-1) ?? 0)} (growth ${mib(growth)}, bound ${mib(heapBound)} for ${cluster.everListed.size} nodes; by day ${heaps.map((h) => (h / 1_048_576).toFixed(0)).join(' ')}); RSS ${mib(memory.rss)}, peak ${mib(process.resourceUsage().maxRSS * 1_024)}`,
            `  ${totals.commands} moves, ${totals.checks} invariant checks; hung drain on ${cluster.hungNode}: ${cluster.hungOutcome}; error lines: ${errors.length === 0 ? 'none' : [...new Set(errors)].join(' | ')}`,
          ].join('\n'),
        );

        expect(cluster.hangSeen).toBe(true);
        expect(samples.length).toBeGreaterThan(0);
        expect(overBound).toEqual([]);
        expect(disk.peak).toBeLessThanOrEqual(stateDirBound(NODES));
        expect(growth).toBeLessThanOrEqual(heapBound);
        expect(records.kept).toBeLessThanOrEqual(KEPT_RECORDS);
      } finally {
        await harness.close();
      }
    },
    120_000 + DAYS * NODES * 20,
  );
});
