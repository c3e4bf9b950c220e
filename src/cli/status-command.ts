import { Command } from 'commander';
import { STATUS_DEFAULT_LISTEN } from '../config/observe-schema.js';
import type { NodeView } from '../observe/node-view.js';
import { statusTable } from '../observe/status-table.js';
import type { JournalStatus } from '../store/journal-health.js';
import { CliExit, EXIT } from './exit-codes.js';

/** The environment variable `status` reads the status server's token from (never a flag: ps shows flags). */
export const STATUS_TOKEN_ENV = 'DYNSLICE_STATUS_TOKEN';

interface StatusOptions {
  url: string;
  json?: boolean;
}

interface NodesReply {
  now: number;
  nodes: NodeView[];
  journal?: JournalStatus | null;
}

async function fetchNodes(base: string, token: string | undefined): Promise<NodesReply> {
  const url = `${base.replace(/\/+$/, '')}/api/nodes`;
  let response: Response;
  try {
    response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliExit(EXIT.failure, `cannot reach the status server at ${base} (${cause})`);
  }
  if (response.status === 401) {
    throw new CliExit(EXIT.failure, `the status server at ${base} wants a token: set ${STATUS_TOKEN_ENV}`);
  }
  if (!response.ok) throw new CliExit(EXIT.failure, `the status server at ${base} answered HTTP ${response.status}`);
  return (await response.json()) as NodesReply;
}

/** `status`: the nodes as the running agent sees them, as a table or JSON. */
export function statusCommand(out: NodeJS.WritableStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Command {
  return new Command('status')
    .description(`show every node of a running agent (token from $${STATUS_TOKEN_ENV} when the server has one)`)
    .option('--url <url>', 'the status server', `http://${STATUS_DEFAULT_LISTEN}`)
    .option('--json', 'print the JSON the server sent')
    .action(async (options: StatusOptions) => {
      const reply = await fetchNodes(options.url, env[STATUS_TOKEN_ENV]);
      out.write(options.json ? `${JSON.stringify(reply.nodes, null, 2)}\n` : statusTable(reply.nodes, reply.now, reply.journal));
    });
}
