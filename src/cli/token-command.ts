import { Command } from 'commander';
import { writeNewTokenFile } from '../endpoint/token-file.js';
import { generateToken } from '../endpoint/token-path.js';
import { CliExit, EXIT } from './exit-codes.js';

/** `dynslice-agent token`: a fresh token for endpoint.token or endpoint.tokenFile. */
export function tokenCommand(): Command {
  return new Command('token')
    .description(
      'print a fresh unguessable token for endpoint.token or endpoint.tokenFile (32 random bytes, base64url)',
    )
    .option(
      '-o, --out <file>',
      'write it to a new file (mode 0600) instead of printing it; an existing file is never overwritten',
    )
    .action(async (options: { out?: string }) => {
      if (options.out === undefined) {
        process.stdout.write(`${generateToken()}\n`);
        return;
      }
      try {
        await writeNewTokenFile(options.out);
      } catch (error) {
        throw new CliExit(
          EXIT.failure,
          `cannot write ${options.out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
    });
}
