import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { WebhookConfig } from '../config/observe-schema.js';
import type { NodeEventName } from './node-events.js';
import { type WebhookTarget, webhookTarget, withoutUrl } from './webhook-target.js';

export interface WebhookDocument {
  /** Unique per event: a receiver can drop a repeat delivered after a lost reply. */
  id: string;
  event: NodeEventName;
  at: string;
  node: unknown;
}

export interface WebhookOptions {
  logger: Logger;
  /** Pause before the first retry; doubles for each further one. */
  backoffMs?: number;
  /** Deliveries in flight at most; past this, new events are dropped with a warning. */
  maxInFlight?: number;
}

const MAX_BACKOFF_MS = 60_000;

interface Hook {
  config: WebhookConfig;
  target: WebhookTarget;
}

/** Posts node events to the configured URLs in the background; `notify` never waits. */
export class WebhookSender {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly backoffMs: number;
  private readonly maxInFlight: number;
  private readonly log: Logger;

  private readonly hooks: Hook[];

  constructor(hooks: WebhookConfig[], options: WebhookOptions) {
    this.hooks = hooks.map((config) => ({ config, target: webhookTarget(config.url) }));
    this.log = options.logger.child({ component: 'webhooks' });
    this.backoffMs = options.backoffMs ?? 1000;
    this.maxInFlight = options.maxInFlight ?? 256;
  }

  /** True when some hook posts this event. */
  wants(event: NodeEventName): boolean {
    return this.hooks.some((hook) => hook.config.events.includes(event));
  }

  notify(event: NodeEventName, at: number, node: unknown): void {
    const targets = this.hooks.filter((hook) => hook.config.events.includes(event));
    if (targets.length === 0 || this.stopping.signal.aborted) return;
    const document: WebhookDocument = { id: randomUUID(), event, at: new Date(at).toISOString(), node };
    const body = JSON.stringify(document);
    for (const hook of targets) {
      if (this.inFlight.size >= this.maxInFlight) {
        this.log.warn(
          { event, url: hook.target.shown, inFlight: this.inFlight.size },
          'webhook delivery dropped: too many in flight',
        );
        continue;
      }
      const delivery = this.deliver(hook, event, body).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  /** Deliveries not yet settled. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Waits for the deliveries in flight (tests, demos); `close` cancels them instead. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.settled();
  }

  private async deliver(hook: Hook, event: NodeEventName, body: string): Promise<void> {
    const url = hook.target.shown;
    const { retries } = hook.config;
    for (let attempt = 1; attempt <= retries + 1; attempt += 1) {
      const outcome = await this.post(hook, event, body);
      if (outcome === 'delivered') {
        this.log.debug({ event, url, attempt }, 'webhook delivered');
        return;
      }
      if (this.stopping.signal.aborted) return;
      const last = attempt > retries;
      this.log.warn({ event, url, attempt, outcome, willRetry: !last }, 'webhook delivery failed');
      if (last) return;
      const pause = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2 ** (attempt - 1));
      try {
        await sleep(pause, undefined, { signal: this.stopping.signal });
      } catch {
        return;
      }
    }
  }

  private async post(hook: Hook, event: NodeEventName, body: string): Promise<string> {
    const { target } = hook;
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(hook.config.timeoutSeconds * 1000)]);
    const auth: Record<string, string> =
      target.authorization === undefined ? {} : { Authorization: target.authorization };
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'dynslice-agent',
          'X-Dynslice-Event': event,
          ...auth,
        },
        body,
        signal,
        redirect: 'manual',
      });
      // Drain the body so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? 'delivered' : `HTTP ${response.status}`;
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
      // undici's message is 'fetch failed'; the reason (ECONNREFUSED, a TLS error…) is in its cause.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return withoutUrl(`unreachable: ${cause?.code ?? cause?.message ?? (error as Error).message}`, target);
    }
  }
}
