import { copyFile, cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SimulatedClock } from 'xstate';
import type { FailurePolicy } from '../../machines/node.types.js';
import { RELEASED_TAG } from '../../machines/node.types.js';
import { type Agent, createAgent } from '../../src/agent.js';
import { decodeMethodResponse, encodeMethodCall } from '../../src/cluster/cluster-codec.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { AgentConfig } from '../../src/config/schema.js';
import { decodeMethodCall } from '../../src/protocol/call-decoder.js';
import { type ClientEndpoint, createClientEndpoint } from '../../src/protocol/client-endpoint.js';
import { type WireStruct, type WireValue, wireDouble, wireInt } from '../../src/protocol/envelope.js';
import { encodeFault, encodeResponse } from '../../src/protocol/reply-encoder.js';
import { type StateChange, stateName } from '../../src/slice/node-actor.js';
import { Store } from '../../src/store/store.js';
import { type CapturedLog, captureLogger } from '../helpers/capture-logger.js';
import { FaultyJournalFiles } from '../helpers/faulty-journal-file.js';
import { settle } from '../helpers/settle.js';
import type { CampaignWorld } from './campaign-world.js';
import type { DecodedReply, NodeView, WireEntry } from './invariants.js';
import { ManifestWorld, manifestModelConfig } from './manifest-world.js';
import { ScriptedNodeRunner } from './scripted-node-runner.js';

export const T0 = 1_800_000_000_000;
export const GRACE_SECONDS = 120;
/** Configured nodes (node_id, client_id); calls may also name unknown ones. */
export const CONFIGURED = [
  ['pc1', 'node1'],
  ['pc2', 'node2'],
  ['pc3', 'node3'],
  ['pc4', 'node4'],
] as const;
export const GRACEFUL_STEP = 'stop-jobs';
export const FORCE_STEP = 'remove-mark';
/** Runs when a node's value falls to prepareAt (0.3, keep-worth): it never makes a node releasable. */
export const PREPARE_STEP = 'checkpoint';
/** Log lines that mean the daemon lost control of something. */
export const INTERNAL_ERRORS = new Set(['node actor failed', 'client endpoint handler failed']);
/** A reply that waited this long for anything is a reply that waited for SSH. */
export const HANDLER_BUDGET_MS = 5_000;

/** The agent's configuration in the model campaigns: a kill step, then a force command step. */
export function modelConfig(
  stateDir: string,
  onFailure: FailurePolicy,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    nodes: CONFIGURED.map(([node_id, client_id]) => ({ node_id, client_id, host: `${client_id}.nodes.test` })),
    hostTemplate: '{client_id}.adopted.test',
    unknownNodes: 'adopt',
    deletedGraceSeconds: GRACE_SECONDS,
    drain: {
      graceful: [
        { name: GRACEFUL_STEP, action: 'kill', pattern: 'model-job', verifyAttempts: 2, verifyIntervalSeconds: 1 },
      ],
      force: [
        {
          name: FORCE_STEP,
          action: 'command',
          run: 'rm -f /run/model-job',
          verify: 'test ! -e /run/model-job',
          verifyAttempts: 1,
          estimateSeconds: 5,
        },
      ],
      prepare: [
        {
          name: PREPARE_STEP,
          action: 'command',
          run: 'touch /run/model-checkpoint',
          verify: 'test ! -e /run/model-unsaved',
          verifyAttempts: 1,
        },
      ],
      prepareAt: 0.3,
      reserveSeconds: 5,
      bestEffortSeconds: 5,
      onFailure,
    },
    state: { dir: stateDir },
    ...extra,
  };
}

const toWire = (entry: WireEntry): WireStruct => {
  const out: Record<string, WireValue> = { node_id: entry.node_id };
  if (entry.client_id !== undefined) out.client_id = entry.client_id;
  if (entry.max_wait_time !== undefined) out.max_wait_time = wireInt(entry.max_wait_time);
  if (entry.value !== undefined) out.value = wireDouble(entry.value);
  return out;
};

/**
 * The whole agent in this process (Slice, machines, journal on a real disk, codec) on a
 * SimulatedClock behind a scripted SSH runner, called through the real XML-RPC codec; it can
 * crash (the state directory as the disk holds it, memory dropped) and restart from its journal.
 */
export class AgentWorld implements CampaignWorld {
  readonly holdsCommands = true;
  readonly clock = new SimulatedClock();
  readonly runner = new ScriptedNodeRunner();
  readonly lines: CapturedLog[];
  private readonly logger: Logger;
  readonly changes: StateChange[] = [];
  files = new FaultyJournalFiles();
  agent!: Agent;
  store!: Store;
  private endpoint!: ClientEndpoint;
  private readonly config: AgentConfig;
  private readonly dirs: string[] = [];

  /** With a manifest: the slice's node list as the cluster's manifest has it now, and its reads. */
  readonly manifest: ManifestWorld | undefined;

  private constructor(
    private dir: string,
    readonly onFailure: FailurePolicy,
    /** Records between snapshots (the agent's default is 5,000; a few dozen exercises compaction). */
    private readonly compactEvery: number,
    manifest: ManifestWorld | undefined,
  ) {
    this.dirs.push(dir);
    ({ logger: this.logger, lines: this.lines } = captureLogger('warn'));
    this.manifest = manifest;
    const config = manifest ? manifestModelConfig(dir, onFailure) : modelConfig(dir, onFailure);
    this.config = parseConfig(config, 'model campaign', dir);
    this.clock.set(T0);
  }

  /**
   * `manifest`: the node list is a manifest read with `geni-get` (see ManifestWorld; `true`: the
   * model's four nodes), not the configuration's. `stateFrom`: a state directory (one an earlier
   * release wrote) the agent starts on, copied.
   */
  static async start(
    onFailure: FailurePolicy,
    compactEvery = 5_000,
    manifest: boolean | ManifestWorld = false,
    stateFrom?: string,
  ): Promise<AgentWorld> {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-model-'));
    if (stateFrom !== undefined) await cp(stateFrom, dir, { recursive: true });
    const world = new AgentWorld(
      dir,
      onFailure,
      compactEvery,
      manifest === true ? new ManifestWorld() : manifest || undefined,
    );
    await world.open();
    return world;
  }

  /** The state directory the agent runs on now (a crash moves it: see restart). */
  get stateDir(): string {
    return this.dir;
  }

  observedNow(nodeId: string): boolean {
    return this.agent.slice.get(nodeId)?.started === true;
  }

  reads(): number {
    return this.manifest?.reads ?? 0;
  }

  restartChangesNothing(): boolean {
    return this.manifest === undefined || (!this.manifest.changed && this.agent.slice.lives.count('parked') === 0);
  }

  /**
   * Which life of a node_id the agent answers for, where it has no state machine for it: a node
   * that left answers for its last incarnation (a late repeat of its deletion); a parked or unknown
   * one for the life after it (none before: 0).
   */
  lifeOf(nodeId: string): number {
    const life = this.agent.slice.lives.get(nodeId);
    if (life?.life === 'left') return life.incarnation;
    if (life?.life === 'parked') return life.left ? life.left.incarnation + 1 : 0;
    return life?.life === 'unknown' ? (life.incarnation ?? 0) : 0;
  }

  now(): number {
    return this.clock.now();
  }

  /** One call as the cluster makes it: encoded, decoded, handled, its reply encoded and decoded. */
  async call(method: string, nodelist: readonly WireEntry[]): Promise<DecodedReply> {
    const request = await decodeMethodCall(Buffer.from(encodeMethodCall(method, [{ nodelist: nodelist.map(toWire) }])));
    const outcome = await this.endpoint.handleCall(request.method, request.params);
    const body =
      'faultCode' in outcome
        ? encodeFault(outcome.faultCode, outcome.faultString)
        : encodeResponse(outcome as unknown as WireValue);
    return (await decodeMethodResponse(Buffer.from(body))) as DecodedReply;
  }

  /** Lets promises, deferred drain starts and answered commands run (bounded). */
  async settle(): Promise<void> {
    await settle(8);
  }

  async advance(ms: number): Promise<void> {
    this.clock.increment(ms);
    await this.settle();
  }

  /** A node as its state machine has it; undefined when it has none (yet). */
  view(nodeId: string): NodeView | undefined {
    const node = this.agent.slice.get(nodeId);
    if (!node?.started) return undefined;
    const snapshot = node.ensureStarted().getSnapshot();
    const { context } = snapshot;
    return {
      nodeId,
      incarnation: context.incarnation,
      state: stateName(snapshot.value),
      tagged: snapshot.hasTag(RELEASED_TAG),
      context,
    };
  }

  async observe(): Promise<Map<string, NodeView | undefined>> {
    await this.settle();
    return new Map(this.agent.slice.list().map((node) => [node.nodeId, this.view(node.nodeId)]));
  }

  takeChanges(): StateChange[] {
    return this.changes.splice(0);
  }

  verified(nodeId: string): boolean {
    const steps = this.runner.verifiedSteps(nodeId);
    return steps.has(GRACEFUL_STEP) || steps.has(FORCE_STEP);
  }

  newIncarnation(nodeId: string): void {
    this.runner.newIncarnation(nodeId);
  }

  backToLife(nodeId: string, incarnation: number): void {
    this.runner.backToLife(nodeId, incarnation);
  }

  diskFailures(): number {
    return this.files.failures.length;
  }

  journalHealthy(): boolean {
    return this.store.journalStatus.healthy;
  }

  holdCommands(): void {
    this.runner.pause();
  }

  releaseCommands(): void {
    this.runner.resume();
  }

  internalError(): string | undefined {
    const line = this.lines.find((l) => INTERNAL_ERRORS.has(l.msg));
    return line && JSON.stringify(line);
  }

  /** `crash`: what is on disk now is all the next agent gets; `clean`: a stop, then a start. */
  async restart(kind: 'crash' | 'clean'): Promise<void> {
    if (kind === 'crash') {
      this.agent.slice.stop();
      const copy = await mkdtemp(join(tmpdir(), 'dynslice-model-'));
      this.dirs.push(copy);
      await copyAsOnDisk(this.dir, copy);
      await this.stop();
      // What the dropped agent wrote once the disk was copied is not the next one's: gone, as in a crash.
      await rm(this.dir, { recursive: true, force: true });
      this.dir = copy;
    } else {
      await this.stop();
    }
    this.files = new FaultyJournalFiles();
    await this.open();
  }

  async close(): Promise<void> {
    await this.stop();
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }

  private async open(): Promise<void> {
    const { logger } = this;
    this.store = await Store.open({
      dir: this.dir,
      logger,
      now: () => this.now(),
      openFile: this.files.open,
      retryMs: { first: 10, max: 50 },
      compactEvery: this.compactEvery,
    });
    const { manifest } = this;
    this.agent = createAgent({
      config: { ...this.config, state: { dir: this.dir } },
      logger,
      runner: this.runner,
      now: () => this.now(),
      clock: this.clock,
      store: this.store,
      onChange: (change) => this.changes.push(change),
      ...(manifest && {
        nodeList: {
          // A start reads the manifest first; one that cannot stops the agent, so the start read succeeds.
          list: manifest.read(false),
          source: { label: 'geni-get manifest', reloadSeconds: 0, read: async () => manifest.read(true) },
          callSpacingMs: 0,
          // Retried reads come from the moves (Reload, the next call), never from a timer of the real clock.
          retryMs: { first: 3_600_000, max: 3_600_000 },
        },
      }),
    });
    this.agent.restore();
    this.endpoint = createClientEndpoint({
      handlers: this.agent.handlers,
      logger,
      handlerTimeoutMs: HANDLER_BUDGET_MS,
    });
  }

  private async stop(): Promise<void> {
    await this.agent.close();
    await this.store.close();
  }
}

/** The files of a state directory as they are now; one renamed or removed meanwhile (a snapshot being written) is not there. */
async function copyAsOnDisk(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    await copyFile(join(from, name), join(to, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
