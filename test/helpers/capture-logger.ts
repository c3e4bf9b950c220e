import { createLogger, type Logger } from '../../src/log/logger.js';

export interface CapturedLog {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** The agent's own logger (redaction included) whose lines land in an array, for asserting what was logged. */
export function captureLogger(level = 'debug'): { logger: Logger; lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const logger = createLogger({
    level,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as CapturedLog) },
  });
  return { logger, lines };
}
