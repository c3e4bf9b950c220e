import { pino, type Logger } from 'pino';

export interface CapturedLog {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real pino logger whose lines land in an array, for asserting what was logged. */
export function captureLogger(level = 'debug'): { logger: Logger; lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as CapturedLog) });
  return { logger, lines };
}
