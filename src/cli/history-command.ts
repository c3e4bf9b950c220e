import { Command, Option } from 'commander';
import { formatHistory, readHistory } from '../store/history.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

/** `history -c FILE [--node ID] [--format text|jsonl|csv]`: the journal as a readable timeline. */
export function historyCommand(): Command {
  return new Command('history')
    .description('print the journal as a timeline: the calls received, what the agent did, what it answered')
    .requiredOption('-c, --config <file>', 'agent configuration (YAML); its state.dir holds the journal')
    .option('--node <id>', 'only what concerns this node')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'jsonl', 'csv']).default('text'))
    .action(async (options: { config: string; node?: string; format: 'text' | 'jsonl' | 'csv' }) => {
      const config = await loadConfigOrExit(options.config);
      process.stdout.write(formatHistory(await readHistory(config.state.dir, options.node), options.format));
    });
}
