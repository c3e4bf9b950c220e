/**
 * Which `timeout` a node has decides how its commands are bounded in time. GNU coreutils, BusyBox
 * from 1.31 and the BSDs take `timeout -k KILL_SECS SECS PROG` (buildRemoteCommand's wrapper);
 * BusyBox before that takes `-t SECS` (1.30: neither) and signals one process, not its group; some
 * nodes have none. Those get the agent's own timer in sh (sh-timer.ts), which needs `sleep`.
 */

/** How a node's commands are wrapped: `timeout -k`, or the sh timer. */
export type TimeoutWrapper = 'timeout-k' | 'sh-timer';

export interface TimeoutFlavour {
  /** What the node has, for the log: `GNU coreutils 9.1`, `BusyBox v1.24.1 (timeout [-t SECS] …)`, `none`. */
  found: string;
  wrapper: TimeoutWrapper;
}

/** The probe's verdict: a flavour, or why no command can be bounded on the node (nothing then runs there). */
export type TimeoutVerdict = TimeoutFlavour | { unusable: string };

const BEGIN = 'dynslice-timeout-probe';
const END = '--- end';

/**
 * Run by `sh` on the node: where `timeout` and `sleep` are, whether `timeout -k 1 1 true` works,
 * whether the shell leads its process group (sshd's sessions do; the sh timer needs it), and the
 * first lines of `timeout --version` and `--help`, which name the tool.
 */
export const TIMEOUT_PROBE = [
  `echo ${BEGIN}`,
  'echo "timeout=$(command -v timeout 2>/dev/null)"',
  'echo "sleep=$(command -v sleep 2>/dev/null)"',
  'if kill -0 "-$$" 2>/dev/null; then echo group=yes; else echo group=no; fi',
  'if command -v timeout >/dev/null 2>&1; then',
  '  timeout -k 1 1 true </dev/null >/dev/null 2>&1; echo "kill-after=$?"',
  "  echo '--- version'; timeout --version </dev/null 2>&1 | head -n 3",
  "  echo '--- help'; timeout --help </dev/null 2>&1 | head -n 8",
  'fi',
  `echo '${END}'`,
].join('\n');

/** Reads the probe's stdout. Anything short of a whole, readable answer is unusable: never a guess. */
export function timeoutVerdict(stdout: string): TimeoutVerdict {
  const lines = stdout.split('\n');
  const begin = lines.indexOf(BEGIN);
  if (begin === -1 || !lines.includes(END, begin)) {
    return { unusable: `the probe's answer was cut or unreadable: ${JSON.stringify(stdout.slice(0, 200))}` };
  }
  const value = (key: string): string | undefined =>
    lines.find((line) => line.startsWith(`${key}=`))?.slice(key.length + 1);
  // The tool's own words: what follows `--- version` and `--- help`.
  const text = lines
    .slice(begin + 1)
    .filter((line) => !/^([a-z-]+=|--- )/.test(line))
    .join('\n');
  const timeout = value('timeout') ?? '';
  if (timeout !== '' && value('kill-after') === '0') return { found: toolName(text), wrapper: 'timeout-k' };
  const found = timeout === '' ? 'none' : `${toolName(text)} (refuses timeout -k)`;
  if ((value('sleep') ?? '') === '') return { unusable: `timeout: ${found}; no sleep for the agent's sh timer` };
  if (value('group') !== 'yes') {
    return { unusable: `timeout: ${found}; commands do not lead a process group there, which the sh timer needs` };
  }
  return { found, wrapper: 'sh-timer' };
}

/** The tool's name and version from its `--version` and `--help` texts. */
export function toolName(text: string): string {
  const gnu = /\(GNU coreutils\) (\S+)/.exec(text);
  if (gnu) return `GNU coreutils ${gnu[1]}`;
  const busybox = /BusyBox v(\S+)/.exec(text);
  if (busybox) {
    const usage = /Usage: (timeout [^\n]*)/.exec(text);
    return `BusyBox v${busybox[1]}${usage ? ` (${usage[1]!.trim()})` : ''}`;
  }
  if (/uutils coreutils/.test(text)) return 'uutils coreutils';
  const first = text.split('\n').find((line) => /timeout/i.test(line));
  return first === undefined ? 'an unknown timeout' : `an unknown timeout (${first.trim().slice(0, 80)})`;
}
