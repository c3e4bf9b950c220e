import { Command, InvalidArgumentError, Option } from 'commander';
import { formatHistory, readHistory } from '../store/history.js';
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
      process.stdout.write(formatHistory(await readHistory(config.state.dir, options.node, options.incarnation), options.format));
    });
}
