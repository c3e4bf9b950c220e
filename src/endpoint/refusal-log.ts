import type { Logger } from 'pino';

export interface Refusal {
  status: number;
  reason: string;
  remoteAddress: string | undefined;
  subject?: string;
}

/**
 * Logs refused requests, at most `perSecond` lines a second, so a flood of refused requests cannot
 * flood the log; the refusals left out are counted in the next line (`suppressed`).
 */
export function createRefusalLog(
  logger: Logger,
  perSecond = 10,
  now: () => number = Date.now,
): (refusal: Refusal) => void {
  let windowStart = -Infinity;
  let logged = 0;
  let suppressed = 0;
  return (refusal) => {
    const at = now();
    if (at - windowStart >= 1000) {
      windowStart = at;
      logged = 0;
    }
    if (logged >= perSecond) {
      suppressed += 1;
      return;
    }
    logged += 1;
    logger.warn(suppressed > 0 ? { ...refusal, suppressed } : refusal, 'xml-rpc request refused');
    suppressed = 0;
  };
}
