import { type DestinationStream, type Logger, pino } from 'pino';
import { redactSecrets } from './redact.js';

export type { Logger } from 'pino';

/**
 * The only place a pino logger is constructed; children inherit redaction from here. Secrets are
 * redacted by member name at any depth (redact.ts) in every log object and every child's bindings:
 * one walk of the object, rather than pino's path redaction, which tries each wildcard path per line.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const root = pino(
    {
      name: 'dynslice-agent',
      level: options.level ?? 'info',
      formatters: { log: redactSecrets },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
  // pino gives children no bindings formatter; children are created from their parent's prototype, so this covers them
  // all.
  const child = root.child as unknown as (this: Logger, bindings: object, options?: object) => Logger;
  root.child = function redactedChild(this: Logger, bindings: object, childOptions?: object): Logger {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as unknown as typeof root.child;
  return root;
}
