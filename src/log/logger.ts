import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const SECRET_MEMBERS = ['privateKey', 'passphrase', 'token', 'password', 'credentials', 'authorization', 'cookie', 'secret'];
/** pino matches a path at one depth only: cover the member itself and up to three levels of nesting. */
const DEPTHS = ['', '*.', '*.*.', '*.*.*.'];

/** Secrets that must never reach a log line, wherever they are nested (`tls.key` holds a private key's PEM). */
export const REDACT_PATHS = DEPTHS.flatMap((depth) => [...SECRET_MEMBERS, 'tls.key'].map((member) => `${depth}${member}`));

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
