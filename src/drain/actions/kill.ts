import { z } from 'zod';
import { defineDrainAction, type ExitMeaning, mustReach, passesOnExit } from '../sdk.js';
import { countWithSample, outputLines } from '../verify-status.js';

const SIGNALS = ['TERM', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2', 'KILL'] as const;

const options = z.strictObject({
  /** Matched against whole command lines (`pkill -f`). */
  pattern: z.string().min(1),
  signal: z.enum(SIGNALS).default('TERM'),
  /**
   * Only processes of this user: a name or a numeric uid. pgrep checks a name but takes any number,
   * so a uid is looked up first: one with no account fails the verify as bad-user.
   */
  user: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .optional(),
  /** Survivors get KILL this many seconds after `signal`. */
  killAfterSeconds: z.number().positive().optional(),
});

// The pattern travels in the environment: the shell's own command line then holds only the
// variable's name, so pgrep/pkill never match themselves or their shell.
const select = (o: z.output<typeof options>) => `${o.user ? `-u ${o.user} ` : ''}-f -- "$DYNSLICE_KILL_PATTERN"`;
/** A numeric uid with no account: said the way pgrep says it of an unknown name (exit 2). */
const uidExists = (o: z.output<typeof options>) =>
  o.user && /^\d+$/.test(o.user)
    ? `getent passwd ${o.user} >/dev/null || { echo "pgrep: invalid user name: ${o.user}" >&2; exit 2; }; `
    : '';

/**
 * pgrep's statuses (procps-ng pgrep(1), EXIT STATUS): 0 matched, 1 nothing matched, 2 syntax error
 * (an unknown user, a bad regular expression), 3 fatal error. Only 1 means no process is left.
 * BusyBox pgrep dies with status 1 ("unknown user", "bad regex"): its stderr decides.
 */
const PGREP: ExitMeaning = {
  tool: 'pgrep',
  pass: [1],
  stderr: [
    [/invalid user name|unknown user/, 'bad-user'],
    [/regex error|bad regex/, 'bad-pattern'],
  ],
  meaning: {
    0: (r) => ({ reason: 'still-running', text: `processes still match: ${countWithSample(outputLines(r.stdout))}` }),
  },
};

/** Signals processes matching a pattern (TERM, wait, KILL); verified when none are left. */
export const killAction = defineDrainAction({
  name: 'kill',
  options,
  estimateSeconds: (o) => (o.killAfterSeconds ?? 0) + 2,
  async run(ctx) {
    const o = ctx.options;
    const escalate =
      o.killAfterSeconds && o.signal !== 'KILL' ? `; sleep ${o.killAfterSeconds}; pkill -KILL ${select(o)}` : '';
    mustReach(
      await ctx.ssh.run(`pkill -${o.signal} ${select(o)}${escalate}; true`, {
        env: { DYNSLICE_KILL_PATTERN: o.pattern },
      }),
    );
  },
  async verify(ctx) {
    const result = await ctx.ssh.run(`${uidExists(ctx.options)}pgrep ${select(ctx.options)}`, {
      env: { DYNSLICE_KILL_PATTERN: ctx.options.pattern },
    });
    return passesOnExit(result, PGREP);
  },
});
