import { Command } from 'commander';
import { parseListenAddress } from '../config/listen-address.js';
import { STATUS_DEFAULT_LISTEN } from '../config/observe-schema.js';
import type { NodeView } from '../observe/node-view.js';
import { statusTable } from '../observe/status-table.js';
import type { JournalStatus } from '../store/journal-health.js';
import { CliExit, EXIT } from './exit-codes.js';
import { loadConfigOrExit } from './load-config-or-exit.js';
import { STATUS_TOKEN_ENV, statusRequest } from './status-request.js';
import { watchStatus } from './status-watch.js';

export { STATUS_TOKEN_ENV } from './status-request.js';

interface StatusOptions {
  url?: string;
  config?: string;
  json?: boolean;
  watch?: boolean;
}

interface NodesReply {
  now: number;
  nodes: NodeView[];
  journal?: JournalStatus | null;
}

async function fetchNodes(base: string, token: string | undefined): Promise<NodesReply> {
  const response = await statusRequest(base, '/api/nodes', token, AbortSignal.timeout(10_000));
  return (await response.json()) as NodesReply;
}

/** Follows the event stream until Ctrl-C or SIGTERM, which end the command normally. */
async function watch(base: string, token: string | undefined, out: NodeJS.WritableStream): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const tty = (out as { isTTY?: boolean }).isTTY === true;
    // https://no-color.org: a NO_COLOR that is set and not empty turns colours off.
    const color = tty && !process.env.NO_COLOR;
    await watchStatus({ base, token, out, tty, color, signal: stop.signal });
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/**
 * Where the status server is: --url; else the configuration's `status` section (-c), whose token is
 * used when $DYNSLICE_STATUS_TOKEN is not set; else the default address. A configuration without a
 * `status` section has the server off: said, with how to turn it on.
 */
async function statusServer(options: StatusOptions, env: NodeJS.ProcessEnv): Promise<{ base: string; token?: string }> {
  const envToken = env[STATUS_TOKEN_ENV] || undefined;
  if (options.config === undefined || options.url !== undefined) {
    return { base: options.url ?? `http://${STATUS_DEFAULT_LISTEN}`, ...(envToken ? { token: envToken } : {}) };
  }
  const config = await loadConfigOrExit(options.config);
  if (config.status === undefined)
    throw new CliExit(
      EXIT.config,
      `status: the status server is off in ${options.config}: add \`status: {}\` (it listens on ` +
        `${STATUS_DEFAULT_LISTEN}) and restart the agent`,
    );
  const { host, port } = parseListenAddress(config.status.listen);
  const reachable =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  const token = envToken ?? config.status.token;
  return { base: `http://${reachable}:${port}`, ...(token ? { token } : {}) };
}

/** `status`: the nodes as the running agent sees them, as a table or JSON, or kept current with --watch. */
export function statusCommand(
  out: NodeJS.WritableStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): Command {
  return new Command('status')
    .description(`show every node of a running agent (token from $${STATUS_TOKEN_ENV} when the server has one)`)
    .option('--url <url>', `the status server (default: http://${STATUS_DEFAULT_LISTEN})`)
    .option('-c, --config <file>', "the agent's configuration: its status server and token")
    .option('--json', 'print the JSON the server sent')
    .option('--watch', 'keep the table current from the event stream, most at risk first (Ctrl-C to stop)')
    .action(async (options: StatusOptions) => {
      const { base, token } = await statusServer(options, env);
      if (options.watch) return watch(base, token, out);
      const reply = await fetchNodes(base, token);
      out.write(
        options.json ? `${JSON.stringify(reply.nodes, null, 2)}\n` : statusTable(reply.nodes, reply.now, reply.journal),
      );
    });
}
