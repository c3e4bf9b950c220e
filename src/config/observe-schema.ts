import { z } from 'zod';
import { TOKEN_EXPECTATION, TOKEN_PATTERN } from './endpoint-schema.js';
import { parseListenAddress } from './listen-address.js';

export const STATUS_DEFAULT_LISTEN = '127.0.0.1:9090';

function isListenAddress(value: string): boolean {
  try {
    return parseListenAddress(value).port >= 0;
  } catch {
    return false;
  }
}

/** The status server (dashboard, /api, /metrics); runs only when `status:` is in the configuration. */
export const statusSchema = z.strictObject({
  /** host:port of the status server; loopback unless you mean to expose it. */
  listen: z.string().default(STATUS_DEFAULT_LISTEN).refine(isListenAddress, 'expected host:port'),
  /** When set, /api and /metrics require `Authorization: Bearer <token>`. */
  token: z.string().regex(TOKEN_PATTERN, TOKEN_EXPECTATION).optional(),
});

export const WEBHOOK_EVENTS = ['drain-started', 'drained', 'released', 'failed', 'forced', 'work-lost'] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** Which node events are posted; all of them when left out. */
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1)
    .default([...WEBHOOK_EVENTS]),
  timeoutSeconds: z.number().positive().default(5),
  /** Further tries after a failed delivery, with a growing pause between them. */
  retries: z.number().int().min(0).max(10).default(3),
});

export const webhooksSchema = z.array(webhookSchema).default([]);
export type WebhookConfig = z.infer<typeof webhookSchema>;
