import { Command, InvalidArgumentError, Option } from 'commander';
import { formatHistory, readHistory } from '../store/history.js';
import { CliExit, EXIT } from './exit-codes.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

/** `history -c FILE [--node ID] [--format text|jsonl|csv]`: the journal as a readable timeline. */
export function historyCommand(): Command {
  return new Command('history')
    .description('print the journal as a timeline: the calls received, what the agent did, what it answered')
    .requiredOption('-c, --config <file>', 'agent configuration (YAML); its state.dir holds the journal')
    .option('--node <id>', 'only what concerns this node')
    .option('--incarnation <n>', 'with --node: only the state changes of this incarnation of the node (1, 2, …)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number from 1');
      return n;
    })
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'jsonl', 'csv']).default('text'))
    .action(async (options: { config: string; node?: string; incarnation?: number; format: 'text' | 'jsonl' | 'csv' }) => {
      const config = await loadConfigOrExit(options.config);
      const rows = await readHistory(config.state.dir, options.node, options.incarnation).catch((error: unknown) => {
        // A journal that cannot be read, or is in a newer format: its message names the file and line.
        const code = (error as { code?: string }).code;
        throw code === 'JOURNAL_CORRUPT' || code === 'STATE_FORMAT' ? new CliExit(EXIT.failure, (error as Error).message) : error;
      });
      process.stdout.write(formatHistory(rows, options.format));
    });
}
