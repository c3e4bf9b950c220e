import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Secrets that must never reach a log line, wherever they are nested. */
export const REDACT_PATHS = [
  'privateKey', '*.privateKey', 'passphrase', '*.passphrase', 'token', '*.token',
  'password', '*.password', 'credentials', '*.credentials', 'authorization', '*.authorization',
];

/** The only place a pino logger is constructed; children inherit redaction from here. */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: 'dynslice-agent',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
