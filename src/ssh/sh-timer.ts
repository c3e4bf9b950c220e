/** Seconds `timeout -k`, and the sh timer, wait after TERM before they send KILL. */
export const KILL_AFTER_SECONDS = 5;

/**
 * What `timeout -k 5 SECS` does, in POSIX sh, for a node whose `timeout` lacks `-k` (BusyBox before
 * 1.31 takes `-t SECS` and signals one process) or that has none: `sh -c SH_TIMER dynslice-timer SECS
 * PROG ARGS`. sshd starts a command's session in its own process group, which the wrapper's `exec`s
 * keep led by this shell; at the deadline, or when the shell gets TERM (an abort), the whole group
 * gets TERM, and KILL 5 s later; the status is then 124, as GNU's. PROG runs in the background, so,
 * as in any non-interactive sh, it starts with SIGINT and SIGQUIT ignored and stdin on /dev/null.
 * Outside a group of its own it runs nothing (exit 125): a group kill would hit others. Its variables
 * are prefixed: the command inherits those that the environment already exports.
 */
export const SH_TIMER = [
  'kill -0 "-$$" 2>/dev/null || { echo "dynslice: sh timer: not a process group leader" >&2; exit 125; }',
  '_dynslice_t=$1; shift',
  '_dynslice_stopping=',
  '_dynslice_stop() {',
  '  [ -n "$_dynslice_stopping" ] && return',
  '  _dynslice_stopping=1',
  '  kill -TERM "-$$"',
  // Its own small shells: a process left for a while carries no copy of the command line (pgrep -f).
  `  sh -c 'sleep ${KILL_AFTER_SECONDS}; kill -KILL "-$1"' dynslice-kill "$$" </dev/null >/dev/null 2>&1 &`,
  '}',
  'trap _dynslice_stop TERM',
  '"$@" &',
  '_dynslice_c=$!',
  `sh -c 'trap "kill \\$s 2>/dev/null; exit 0" TERM; sleep "$1" & s=$!; wait "$s" && kill -TERM "$2"' dynslice-watch "$_dynslice_t" "$$" </dev/null >/dev/null 2>&1 &`,
  '_dynslice_w=$!',
  'while :; do',
  '  wait "$_dynslice_c"; _dynslice_r=$?',
  '  kill -0 "$_dynslice_c" 2>/dev/null || break',
  'done',
  '[ -n "$_dynslice_stopping" ] && exit 124',
  'kill -TERM "$_dynslice_w" 2>/dev/null',
  'exit "$_dynslice_r"',
].join('\n');
