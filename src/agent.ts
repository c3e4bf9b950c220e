import type { Logger } from 'pino';
import { restoreNodes } from './agent/restore-nodes.js';
import { warmUpCallPath, warmUpDrainPath } from './agent/warm-up.js';
import { ConfigError } from './config/load-config.js';
import type { AgentConfig } from './config/schema.js';
import { CrashSearch } from './drain/crash-search.js';
import { compilePlan, type DrainPlan } from './drain/plan.js';
import { ActionRegistry } from './drain/registry.js';
import type { DrainCommandEvent } from './drain/step-actors.js';
import { listenConfiguredEndpoint } from './endpoint/configured-endpoint.js';
import type { EndpointServer } from './endpoint/http-server.js';
import type { ManifestNodeList } from './node-list/manifest-nodes.js';
import { configuredNodes, type NodeListSource } from './node-list/node-list-source.js';
import { Observer } from './observe/observer.js';
import type { ClientEndpointHandlers } from './protocol/client-methods.js';
import type { Clock, StateChange } from './slice/node-actor.js';
import { NodeListReloader } from './slice/node-list-reloader.js';
import { NodeLookupHandlers } from './slice/node-lookup-handlers.js';
import { settleAllParked } from './slice/parked-calls.js';
import { Slice } from './slice/slice.js';
import type { SshRunner } from './ssh/runner-types.js';
import { JournaledHandlers } from './store/journaled-handlers.js';
import { commandRecordOf, joinedRecordOf, nodeRecordOf } from './store/node-record.js';
import type { Store } from './store/store.js';

export interface AgentDeps {
  config: AgentConfig;
  logger: Logger;
  runner: SshRunner;
  now?: () => number;
  clock?: Clock;
  onChange?: (change: StateChange) => void;
  onCommand?: (event: DrainCommandEvent) => void;
  /** The compiled drain plan (with plugin actions: see loadDrainPlan); built-ins only when absent. */
  plan?: DrainPlan;
  /** Journal and recovered state (see Store.open); without it the agent remembers nothing across restarts. */
  store?: Store;
  /** Wraps the slice's handlers before the endpoint serves them (shadow mode answers through a decorator). */
  wrapHandlers?: (handlers: ClientEndpointHandlers) => ClientEndpointHandlers;
  /**
   * The node list as read at start, and the manifest it is read again from (see nodeListSource);
   * default: the configuration's `nodes:` list.
   */
  nodeList?: {
    list: ManifestNodeList;
    source?: NodeListSource;
    /** Least time between two reads that calls asked for (default 5 s). */
    callSpacingMs?: number;
    /** First and longest wait before a read that failed is tried again for the nodes that wait (5 s, 60 s). */
    retryMs?: { first: number; max: number };
  };
}

export interface Agent {
  slice: Slice;
  /** Timelines, metrics, webhooks and live updates of the slice (the status server reads it). */
  observer: Observer;
  /** What the endpoint serves: the slice's handlers, journaled when there is a store. */
  handlers: ClientEndpointHandlers;
  /**
   * Puts the slice's nodes in, rebuilding the journaled ones (their actors start: deadlines re-arm,
   * interrupted drains resume over SSH); once, and before anything reads or changes the slice.
   * `listen` does it first.
   */
  restore(): void;
  /**
   * Restores the nodes (restore), reads the endpoint's TLS files and token, then serves it;
   * resolves with the bound address, the URL to register (it holds the token) and the same URL
   * redacted for logs.
   */
  listen(port: number, host: string): Promise<{ host: string; port: number; url: string; redactedUrl: string }>;
  /** Re-reads the node list (SIGHUP); false when it cannot change or the read failed (the list is unchanged). */
  reloadNodes(): Promise<boolean>;
  close(): Promise<void>;
}

/** Wires the parts together; does no I/O and starts no node until `restore` (`listen` calls it). */
export function createAgent(deps: AgentDeps): Agent {
  const { config, logger, runner, store } = deps;
  const observer: Observer = new Observer({
    logger,
    now: deps.now ?? Date.now,
    slice: (): Slice => slice,
    webhooks: config.webhooks,
    onChange: deps.onChange,
    onCommand: deps.onCommand,
    journal: store && (() => store.journalStatus),
  });
  // Drain commands wait while a search for the step that kills the agent holds them back.
  const crashSearch = store && new CrashSearch({ suspects: () => store.interrupted.suspects, runningNodeOf, logger });
  const slice: Slice = new Slice({
    plan: deps.plan ?? compilePlan(config.drain, new ActionRegistry()),
    runner,
    logger,
    now: deps.now ?? Date.now,
    clock: deps.clock,
    bestEffortSeconds: config.drain.bestEffortSeconds,
    onFailure: config.drain.onFailure,
    prepareAt: config.drain.prepareAt ?? null,
    valueMeans: config.valueMeans,
    ssh: { user: config.ssh.user, port: config.ssh.port },
    hostTemplate: config.hostTemplate,
    unknownNodes: config.unknownNodes.policy,
    maxUnknownNodes: config.unknownNodes.max,
    deletedGraceSeconds: config.deletedGraceSeconds,
    onChange: (change) => {
      if (deps.store) deps.store.recordNode(nodeRecordOf(slice.get(change.nodeId)!, change.snapshot));
      crashSearch?.update();
      observer.onChange(change);
    },
    onRemember: (nodeId, snapshot) => deps.store?.recordNode(nodeRecordOf(slice.get(nodeId)!, snapshot)),
    onJoin: (node) => deps.store?.recordNode(joinedRecordOf(node)),
    onLife: (change) => deps.store?.recordLife(change),
    onCommand: (event) => {
      if (deps.store) deps.store.recordCommand(commandRecordOf(event, slice));
      crashSearch?.update();
      observer.onCommand(event);
    },
    admitCommand: crashSearch && ((nodeId, signal) => crashSearch.admit(nodeId, signal)),
  });
  /** `nodeId#incarnation` of a node whose drain (or prepare) steps run now. */
  function runningNodeOf(nodeId: string): string | undefined {
    const snapshot = slice.get(nodeId)?.snapshot;
    return snapshot?.hasTag('runsSteps') ? `${nodeId}#${snapshot.context.incarnation}` : undefined;
  }
  const listed = deps.nodeList?.list.nodes ?? configuredNodes(config);
  if (listed === null)
    throw new ConfigError('nodes: the manifest must be read before the agent starts (nodeListSource)', 'nodes');
  const source = deps.nodeList?.source;
  const reloader =
    source?.reloadSeconds == null
      ? undefined
      : new NodeListReloader({
          source,
          apply: (nodes) => slice.applyNodeList(nodes),
          // Every read that succeeded, whoever asked for it, says what the parked nodes are.
          onRead: () => void lookup?.settleAll(),
          logger,
          callSpacingMs: deps.nodeList?.callSpacingMs,
        });
  if (reloader && deps.nodeList)
    reloader.noteRead('start', deps.nodeList.list, {
      added: listed.map((node) => node.nodeId),
      removed: [],
      moved: [],
      busy: [],
    });
  const lookup =
    reloader &&
    new NodeLookupHandlers(slice, slice.lives, {
      lookUp: () => reloader.reload('unknown-node'),
      logger,
      now: deps.now ?? Date.now,
      max: config.unknownNodes.max,
      deletedGraceSeconds: config.deletedGraceSeconds,
      retryMs: deps.nodeList?.retryMs,
    });
  const served = deps.wrapHandlers?.(lookup ?? slice) ?? lookup ?? slice;
  // The journal records what the cluster was actually told.
  const handlers = deps.store ? new JournaledHandlers(served, deps.store) : served;
  const endpointDeps = { handlers, logger, onCallAnswered: observer.onCallAnswered };
  let endpoint: EndpointServer | undefined;
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    const { stepCrashLimit } = config.drain;
    restoreNodes({ slice, listed, store, stepCrashLimit, logger });
    crashSearch?.start();
    // The nodes that waited for a read before the restart: the read every start makes says what they are.
    if (lookup) void lookup.settleAll();
    else void settleAllParked(slice, deps.now ?? Date.now, logger);
  };

  return {
    slice,
    observer,
    handlers,
    restore,
    async listen(port, host) {
      restore();
      // Before the first call can arrive: the first real drain then starts on compiled code.
      await warmUpCallPath().catch(() => undefined);
      const warmed = await warmUpDrainPath(logger, deps.now ?? Date.now).catch(() => false);
      if (!warmed) logger.debug('drain path warm-up did not finish');
      const { server, ...address } = await listenConfiguredEndpoint(config.endpoint, { port, host }, endpointDeps);
      endpoint = server;
      reloader?.startTimer();
      if (config.ssh.preconnect) {
        void slice
          .preconnect()
          .then((connected) =>
            logger.info({ connected, nodes: slice.list().length }, 'ssh connections opened ahead of drains'),
          );
      }
      return address;
    },
    async reloadNodes() {
      if (reloader) return reloader.reload('signal');
      logger.info("the node list is the configuration's: nothing to re-read");
      return false;
    },
    async close() {
      reloader?.stop();
      lookup?.stop();
      await endpoint?.close();
      slice.stop();
      await observer.close();
      await runner.close();
    },
  };
}
