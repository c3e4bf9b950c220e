import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import { redactSecrets } from './redact.js';

/** How lines are written: JSON, pino-pretty's coloured lines, or pretty only on a terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Pretty on a terminal that is not systemd's (its journal wants JSON, whatever stdout looks like). */
const prettyHere = (): boolean => process.stdout.isTTY === true && process.env.JOURNAL_STREAM === undefined;

function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  return pretty({
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
    destination: destination ?? 1,
    sync: true,
  });
}

export type { Logger } from 'pino';

/**
 * The only place a pino logger is constructed; children inherit redaction from here. Secrets are
 * redacted by member name at any depth (redact.ts) in every log object and every child's bindings:
 * one walk of the object, rather than pino's path redaction, which tries each wildcard path per line.
 */
export function createLogger(
  options: { level?: string; destination?: DestinationStream; format?: LogFormat } = {},
): Logger {
  const format = options.format ?? 'json';
  const usePretty = format === 'pretty' || (format === 'auto' && options.destination === undefined && prettyHere());
  const root = pino(
    {
      name: 'dynslice-agent',
      level: options.level ?? 'info',
      formatters: { log: redactSecrets },
    },
    usePretty ? prettyStream(options.destination) : (options.destination ?? pino.destination({ dest: 1, sync: false })),
  );
  // pino gives children no bindings formatter; children are created from their parent's prototype, so this covers them
  // all.
  const child = root.child as unknown as (this: Logger, bindings: object, options?: object) => Logger;
  root.child = function redactedChild(this: Logger, bindings: object, childOptions?: object): Logger {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as unknown as typeof root.child;
  return root;
}
