import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { Counter, Histogram, Registry } from 'prom-client';
import { XmlRpcFaultCode } from '../protocol/codes.js';
import type { JournalStatus } from '../store/journal-health.js';
import type { NodeEventName } from './node-events.js';

/** One answered XML-RPC call, as the endpoint reports it. */
export interface CallAnswered {
  method: string;
  code?: number;
  faultCode?: number;
  nodes: number;
  ms: number;
}

/** What a node event adds to the figures. */
export interface NodeEventFacts {
  name: NodeEventName;
  at: number;
  deadline: number | null;
  forcedReason: string | null;
}

/** The agent's Prometheus figures, in a registry of its own (never prom-client's global one). */
export class AgentMetrics {
  readonly registry: Registry;
  private readonly drainsStarted: Counter;
  private readonly drainsVerified: Counter;
  private readonly drainsFailed: Counter;
  private readonly drainsForced: Counter<'reason'>;
  private readonly drainDuration: Histogram<'outcome'>;
  private readonly releaseLead: Histogram;
  private readonly secondsGivenBack: Counter;
  private readonly workLost: Counter;
  private readonly requests: Counter<'method' | 'code'>;
  private readonly replyLatency: Histogram<'method'>;

  /**
   * `countNodes` is read at each scrape: node count per state name, every state of the chart
   * included; so is `journal`, the journal's health, when the agent keeps one.
   */
  constructor(countNodes: () => Map<string, number>, journal?: () => JournalStatus) {
    // Loaded here, not at import: an agent that serves no /metrics does not carry prom-client.
    const { Counter, Gauge, Histogram, Registry } = createRequire(import.meta.url)('prom-client') as typeof PromClient;
    this.registry = new Registry();
    const registers = [this.registry];
    const counter = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers });
    const histogram = <L extends string = never>(name: string, help: string, buckets: number[], labelNames: L[] = []) =>
      new Histogram<L>({ name, help, buckets, labelNames, registers });
    new Gauge({
      name: 'dynslice_nodes',
      help: 'Nodes of the slice by state (draining.countdown, drained, ...).',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const [state, count] of countNodes()) this.set({ state }, count);
      },
    });
    if (journal) {
      new Gauge({
        name: 'dynslice_journal_healthy',
        help: 'Whether the last journal write reached the disk (0: replies that need the disk answer SERVERERROR).',
        registers,
        collect() {
          this.set(journal().healthy ? 1 : 0);
        },
      });
      new Counter({
        name: 'dynslice_journal_write_errors_total',
        help: 'Journal write attempts that failed (each retry counts).',
        registers,
        collect() {
          this.reset();
          this.inc(journal().writeErrors);
        },
      });
    }
    this.drainsStarted = counter('dynslice_drains_started_total', 'Drains started (a node was revoked).');
    this.drainsVerified = counter('dynslice_drains_verified_total', 'Drains whose every step verified.');
    this.drainsFailed = counter('dynslice_drains_failed_total', 'Drains that ended with a failure.');
    this.drainsForced = counter(
      'dynslice_drains_forced_total',
      'Nodes given back without a verified drain, by reason.',
      ['reason'],
    );
    this.drainDuration = histogram(
      'dynslice_drain_duration_seconds',
      'From revocation to the end of the drain, by the state it ended in.',
      [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      ['outcome'],
    );
    this.releaseLead = histogram(
      'dynslice_release_lead_seconds',
      'How long before the deadline a node was released to the cluster.',
      [0, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    );
    this.secondsGivenBack = counter(
      'dynslice_node_seconds_released_early_total',
      'Node-seconds given back to the cluster before their deadline.',
    );
    this.workLost = counter('dynslice_work_lost_total', 'Nodes deleted before their drain was verified.');
    this.requests = counter(
      'dynslice_endpoint_requests_total',
      'XML-RPC calls answered, by method and ProtoGENI code (an XML-RPC fault code when negative).',
      ['method', 'code'],
    );
    this.replyLatency = histogram(
      'dynslice_endpoint_reply_seconds',
      'Time from request to reply of XML-RPC calls, by method.',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      ['method'],
    );
  }

  onNodeEvent(event: NodeEventFacts): void {
    if (event.name === 'drain-started') this.drainsStarted.inc();
    else if (event.name === 'drained') this.drainsVerified.inc();
    else if (event.name === 'failed') this.drainsFailed.inc();
    else if (event.name === 'forced') this.drainsForced.inc({ reason: event.forcedReason ?? 'unknown' });
    else if (event.name === 'work-lost') this.workLost.inc();
    else if (event.name === 'released' && event.deadline !== null) {
      const lead = Math.max(0, (event.deadline - event.at) / 1000);
      this.releaseLead.observe(lead);
      this.secondsGivenBack.inc(lead);
    }
  }

  onDrainEnded(outcome: string, seconds: number): void {
    this.drainDuration.observe({ outcome }, seconds);
  }

  onCallAnswered(call: CallAnswered): void {
    // Label values stay bounded: a method the endpoint does not serve is counted as `unknown`.
    const method = call.faultCode === XmlRpcFaultCode.METHOD_NOT_FOUND ? 'unknown' : call.method || 'none';
    this.requests.inc({ method, code: String(call.code ?? call.faultCode ?? 'none') });
    this.replyLatency.observe({ method }, call.ms / 1000);
  }
}
