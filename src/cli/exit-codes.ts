import type { ConfigError } from '../config/config-error.js';
import { OperatorError } from '../config/operator-errors.js';

/** Process exit statuses the CLI promises (scripts rely on them). */
export const EXIT = {
  ok: 0,
  failure: 1,
  /** Bad configuration or usage: the message names the key. */
  config: 2,
} as const;

/** Thrown by commands to end the process with a status; only main.ts exits. */
export class CliExit extends Error {
  constructor(
    readonly status: number,
    message = '',
  ) {
    super(message);
    this.name = 'CliExit';
  }
}

/** A configuration error as the exit it calls for: an operator error's own status, else 2. */
export const configExit = (error: ConfigError): CliExit =>
  new CliExit(error instanceof OperatorError ? error.status : EXIT.config, error.message);
