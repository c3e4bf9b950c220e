import { Command, InvalidArgumentError, Option } from 'commander';
import { journalTimelineSvg } from '../observe/timeline-chart/journal-chart.js';
import { formatHistory, readHistory, readJournalRecords } from '../store/history.js';
import type { JournalRecord } from '../store/records.js';
import { CliExit, EXIT } from './exit-codes.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

type HistoryFormat = 'text' | 'jsonl' | 'csv' | 'svg';

/** A journal that cannot be read, or is in a newer format: its message names the file and line. */
const unreadable = (error: unknown): never => {
  const code = (error as { code?: string }).code;
  throw code === 'JOURNAL_CORRUPT' || code === 'STATE_FORMAT'
    ? new CliExit(EXIT.failure, (error as Error).message)
    : error;
};

const concerns = (record: JournalRecord, node: string): boolean =>
  record.kind === 'reply' || ((record.kind === 'node' || record.kind === 'command') && record.nodeId === node);

/** The timeline chart of the journal: one row per node (with --node, that node's only). */
async function historySvg(dir: string, node: string | undefined): Promise<string> {
  const all = await readJournalRecords(dir).catch(unreadable);
  const records = node === undefined ? all : all.filter((r) => concerns(r, node));
  const first = all[0]?.t;
  const span =
    first === undefined
      ? 'empty journal'
      : `${new Date(first).toISOString()} to ${new Date(all.at(-1)!.t).toISOString()}`;
  return journalTimelineSvg(records, `dynslice-agent drains, ${span}`);
}

/** `history -c FILE [--node ID] [--format text|jsonl|csv|svg]`: the journal as a readable timeline. */
export function historyCommand(): Command {
  return new Command('history')
    .description('print the journal as a timeline: the calls received, what the agent did, what it answered')
    .requiredOption('-c, --config <file>', 'agent configuration (YAML); its state.dir holds the journal')
    .option('--node <id>', 'only what concerns this node')
    .option(
      '--incarnation <n>',
      'with --node: only the state changes of this incarnation of the node (1, 2, …)',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number from 1');
        return n;
      },
    )
    .addOption(
      new Option('--format <format>', 'output format (svg: the timeline chart, one row per node)')
        .choices(['text', 'jsonl', 'csv', 'svg'])
        .default('text'),
    )
    .action(async (options: { config: string; node?: string; incarnation?: number; format: HistoryFormat }) => {
      const config = await loadConfigOrExit(options.config);
      if (options.format === 'svg') {
        process.stdout.write(await historySvg(config.state.dir, options.node));
        return;
      }
      const rows = await readHistory(config.state.dir, options.node, options.incarnation).catch(unreadable);
      process.stdout.write(formatHistory(rows, options.format));
    });
}
