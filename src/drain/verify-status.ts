import type { VerifyResult } from '../../machines/drain.types.js';
import { outputExcerpt } from '../ssh/captured-output.js';
import { type Exited, failureWord, type RunResult } from '../ssh/runner-types.js';

/**
 * Why a verify did not pass: a short stable word (`bad-user`, `tool-missing`, …) and what happened.
 * The detail reads `reason: text`, so callers can branch on the word before the first colon.
 */
export interface VerifyFailure {
  reason: string;
  text: string;
}

/** A reason word (the text is the status and stderr), or the failure worked out from the result. */
export type StatusMeaning = string | ((result: Exited) => VerifyFailure);

/** How to read a check's exit status: only `pass` means "nothing left"; everything else fails, named. */
export interface ExitMeaning {
  /** The statuses that mean the check holds, e.g. `[1]` for pgrep (no process matched). */
  pass: readonly number[];
  /** The program the check relies on; named when it is missing (127) or not executable (126). */
  tool?: string;
  /** Where the check ran, for those messages (default: the node). */
  where?: string;
  /** What other statuses mean. */
  meaning?: Readonly<Partial<Record<number, StatusMeaning>>>;
  /** stderr that names the cause whatever the status (checked first): `[pattern, reason]`. */
  stderr?: ReadonlyArray<readonly [RegExp, string]>;
  /** A passing status can still fail on what it printed (e.g. rows listed). */
  whenPassed?: (result: Exited) => VerifyFailure | undefined;
}

/** For `verify`: passes only on a status that means "nothing left"; any other outcome says why not. */
export function passesOnExit(result: RunResult, meaning: ExitMeaning): VerifyResult {
  const failure = failureOf(result, meaning);
  return failure ? { passed: false, detail: `${failure.reason}: ${failure.text}` } : { passed: true };
}

/** For `verify` of a user-supplied check: exit 0 passes. */
export function passesWhenZero(result: RunResult): VerifyResult {
  return passesOnExit(result, { pass: [0] });
}

/** The failure a run result stands for, or undefined when it is a pass. */
export function failureOf(result: RunResult, meaning: ExitMeaning): VerifyFailure | undefined {
  switch (result.kind) {
    case 'exited':
      return failureOfExit(result, meaning);
    // Nothing ran: a dry run answers "what if every command did its job" (see DryRun).
    case 'dryRun':
      return undefined;
    // No status, or the remote `timeout` stopped the check (124/137): the check never answered.
    case 'timedOut':
    case 'aborted':
    case 'disconnected':
    case 'unreachable':
    // The wrapper failed before the check ran: its status is the wrapper's, never the check's.
    case 'notRun':
      return { reason: failureWord(result) ?? 'connection', text: result.detail };
    // A result this code does not know (built by hand in a plugin, say) proves nothing: never a pass.
    default:
      return {
        reason: 'unexpected-result',
        text: `a command result of unknown kind ${JSON.stringify((result as { kind?: unknown }).kind)}`,
      };
  }
}

function failureOfExit(result: Exited, meaning: ExitMeaning): VerifyFailure | undefined {
  const { code } = result;
  // Before the pass check: some tools report a refusal with a passing status (BusyBox pgrep exits 1).
  for (const [pattern, reason] of meaning.stderr ?? []) {
    const line = result.stderr.split('\n').find((l) => pattern.test(l));
    if (line !== undefined) return { reason, text: line.trim() };
  }
  if (meaning.pass.includes(code)) return meaning.whenPassed?.(result);
  const stderr = stderrText(result.stderr);
  const known = meaning.meaning?.[code];
  if (typeof known === 'function') return known(result);
  if (known !== undefined) return { reason: known, text: statusText(code, stderr) };
  if (code === 127) return { reason: 'tool-missing', text: missingText(meaning, stderr) };
  if (code === 126)
    return {
      reason: 'not-executable',
      text: `${meaning.tool ?? 'check command'} could not be executed${stderr ? ` (${stderr})` : ''}`,
    };
  return { reason: meaning.tool ? 'unexpected-exit' : 'check-failed', text: statusText(code, stderr) };
}

function missingText(meaning: ExitMeaning, stderr: string): string {
  const where = meaning.where ?? 'the node';
  if (!meaning.tool) return `check command not found on ${where}${stderr ? ` (${stderr})` : ''}`;
  // 127 may also come from the wrapper around the check (`timeout`, `sh`): say only what stderr says.
  return stderr && !stderr.includes(meaning.tool)
    ? `command not found on ${where} (${stderr})`
    : `${meaning.tool} not found on ${where}${stderr ? ` (${stderr})` : ''}`;
}

function statusText(code: number, stderr: string): string {
  return `exit ${code}${stderr ? `: ${stderr}` : ''}`;
}

/**
 * stderr on one line, short enough for a log field and a status page: its start … its end, where the cause usually is.
 */
function stderrText(stderr: string): string {
  return outputExcerpt(
    stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join('; '),
    240,
  );
}

/** Non-empty lines of a command's output (rows of a listing, ids, …). */
export function outputLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** `3 (a, b, c)` or `12 (a, b, c, … 9 more)`: a count with the first few items. */
export function countWithSample(items: readonly string[], sample = 5): string {
  const shown = items.slice(0, sample).join(', ');
  return `${items.length} (${shown}${items.length > sample ? `, … ${items.length - sample} more` : ''})`;
}
