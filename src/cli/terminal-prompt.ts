import { read } from 'read';

/** Whether a person can answer questions: stdin and stderr are a terminal. */
export const onTerminal = (): boolean => process.stdin.isTTY === true && process.stderr.isTTY === true;

/** Asks on the terminal (stderr, so stdout stays the command's result); `silent` hides what is typed. */
export async function ask(prompt: string, options: { silent?: boolean; default?: string } = {}): Promise<string> {
  const answer = await read({
    prompt,
    silent: options.silent,
    replace: options.silent ? '' : undefined,
    default: options.default,
    output: process.stderr,
  });
  return String(answer).trim();
}

/** The passphrase of an encrypted key, asked without echo. */
export const askPassphrase = (file: string): Promise<string> =>
  ask(`Passphrase of the private key in ${file}: `, { silent: true });
