import type { ServerResponse } from 'node:http';
import { ENDPOINT_DEFAULTS } from '../config/endpoint-schema.js';
import { onceAnswerGone } from './connection-calls.js';

export const DEFAULT_MAX_CONCURRENT_REQUESTS = ENDPOINT_DEFAULTS.maxConcurrentRequests;

export interface CallSlots {
  /** True when every slot is taken (a caller can then be refused before it sends its body). */
  readonly full: boolean;
  /** Takes a slot until `res` is written or given up (its connection closed); false when none is free. */
  take(res: ServerResponse): boolean;
}

/**
 * The calls decoded and handled at once. A request takes its slot only once its whole body has
 * arrived, so callers still sending (however slowly) hold none; the bodies being read are bounded
 * by the connection caps instead (connection-limits.ts).
 */
export function createCallSlots(max = DEFAULT_MAX_CONCURRENT_REQUESTS): CallSlots {
  let busy = 0;
  return {
    get full() {
      return busy >= max;
    },
    take(res) {
      if (busy >= max) return false;
      busy += 1;
      onceAnswerGone(res, () => (busy -= 1));
      return true;
    },
  };
}
