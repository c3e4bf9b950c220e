import type { Logger } from 'pino';
import { raceAbort, within } from './bounded-wait.js';
import { outputExcerpt } from './captured-output.js';
import type { ExecExit, ExecHandlers } from './channel-exec.js';
import { aborted, disconnected, type NotRun, type RunResult, type TimedOut } from './runner-types.js';
import { shellQuote } from './shell-quote.js';
import { TIMEOUT_PROBE, type TimeoutFlavour, type TimeoutVerdict, timeoutVerdict } from './timeout-flavour.js';

const PROBE_TIMEOUT_MS = 15_000;
const PROBE_OUTPUT_CHARS = 16 * 1024;

type Exec = (line: string, handlers: ExecHandlers) => Promise<ExecExit>;
/** A verdict, or why the probe gave none (it is then run again by the node's next command). */
type Probe = { verdict: TimeoutVerdict } | { failure: RunResult };

/** A command on a node where no `timeout` can bound it: nothing ran, and never a pass. */
export const noUsableTimeout = (reason: string): NotRun => ({
  kind: 'notRun',
  code: 127,
  stdout: '',
  stderr: '',
  detail: `no usable timeout on the node: ${reason}`,
});

/**
 * Each node's `timeout` flavour (timeout-flavour.ts), probed before the first command of each SSH
 * connection, shared by the commands that wait for it, and logged once per node while it stays the same.
 */
export class NodeTimeouts {
  private readonly probes = new WeakMap<object, Promise<Probe>>();
  private readonly logged = new Map<string, string>();

  /** `connection` is the SSH client the probe belongs to; a new one (a reconnect) probes again. */
  async flavourOf(
    connection: object,
    exec: Exec,
    node: { nodeId: string; log: Logger },
    signal?: AbortSignal,
  ): Promise<TimeoutFlavour | RunResult> {
    let probe = this.probes.get(connection);
    if (probe === undefined) {
      probe = runProbe(exec);
      this.probes.set(connection, probe);
      void probe.then((outcome) => {
        if ('failure' in outcome) this.probes.delete(connection);
        else this.logOnce(node, outcome.verdict);
      });
    }
    const outcome = await raceAbort(probe, signal);
    if (outcome === 'aborted') return aborted('aborted before the command started');
    if ('failure' in outcome) return outcome.failure;
    const { verdict } = outcome;
    return 'unusable' in verdict ? noUsableTimeout(verdict.unusable) : verdict;
  }

  private logOnce({ nodeId, log }: { nodeId: string; log: Logger }, verdict: TimeoutVerdict): void {
    const said = 'unusable' in verdict ? `unusable: ${verdict.unusable}` : `${verdict.found}: ${verdict.wrapper}`;
    if (this.logged.get(nodeId) === said) return;
    this.logged.set(nodeId, said);
    if ('unusable' in verdict) log.warn({ reason: verdict.unusable }, 'no usable timeout on the node');
    else log.info({ timeout: verdict.found, wrapper: verdict.wrapper }, 'node timeout detected');
  }
}

async function runProbe(exec: Exec): Promise<Probe> {
  let stdout = '';
  let channel: { close(): void } | undefined;
  const execution = exec(`exec sh -c ${shellQuote(TIMEOUT_PROBE)}`, {
    onChannel: (c) => (channel = c),
    onStdout: (chunk) => void (stdout = (stdout + chunk.toString('latin1')).slice(0, PROBE_OUTPUT_CHARS)),
  }).catch((err: Error) => err);
  const exit = await within(execution, PROBE_TIMEOUT_MS);
  if (exit instanceof Error) return { failure: disconnected(`timeout probe failed: ${exit.message}`) };
  if (exit === undefined) {
    channel?.close();
    const detail = `the node did not say which timeout it has within ${PROBE_TIMEOUT_MS} ms`;
    const timedOut: TimedOut = { kind: 'timedOut', code: null, stdout: '', stderr: '', detail };
    return { failure: timedOut };
  }
  if (exit.code === null) {
    return { failure: disconnected(`connection closed during the timeout probe (signal ${exit.signal})`) };
  }
  if (exit.code !== 0) {
    return { verdict: { unusable: `the probe (sh) exited ${exit.code}: ${outputExcerpt(stdout) || 'no output'}` } };
  }
  return { verdict: timeoutVerdict(stdout) };
}
