import { z } from 'zod';
import { shellQuote } from '../../ssh/shell-quote.js';
import { defineDrainAction, type ExitMeaning, mustReach } from '../sdk.js';
import { failureOf, passesOnExit, type VerifyFailure } from '../verify-status.js';

const unitName = z
  .string()
  .regex(/^[A-Za-z0-9@._:\\-]+$/, 'expected a systemd unit name')
  // systemctl show reads an all-digit argument as a job id, not a unit.
  .refine((name) => !/^\d+$/.test(name), 'expected a systemd unit name, not a number (systemctl reads it as a job id)');

/** systemctl cannot reach a running systemd (a container, a chroot, another init). */
const NO_SYSTEMD: ExitMeaning['stderr'] = [
  [/not been booted with systemd|Failed to connect to bus/, 'systemd-unavailable'],
];

/** `systemctl stop`: 5 is EXIT_NOTINSTALLED, which systemctl returns for org.freedesktop.systemd1.NoSuchUnit. */
const STOP: ExitMeaning = { tool: 'systemctl', pass: [0], stderr: NO_SYSTEMD, meaning: { 5: 'unit-not-found' } };

/**
 * `systemctl show -p Id,LoadState,ActiveState -- UNITS` prints one block of `Key=value` lines per
 * unit, blank-line separated, in argument order, and exits 0 even for a unit that does not exist
 * (LoadState=not-found); so the blocks decide, not the status.
 */
const SHOW: (units: string[]) => ExitMeaning = (units) => ({
  tool: 'systemctl',
  pass: [0],
  stderr: NO_SYSTEMD,
  whenPassed: (r) => unitsLeft(units, r.stdout),
});

/** Every unit must be loaded (so it is the unit meant) and not active. */
function unitsLeft(units: string[], stdout: string): VerifyFailure | undefined {
  const blocks = stdout
    .trim()
    .split(/\n\s*\n/)
    .filter(Boolean)
    .map(properties);
  if (blocks.length !== units.length) {
    return {
      reason: 'unexpected-output',
      text: `systemctl show described ${blocks.length} units for ${units.length} asked`,
    };
  }
  const problems = units.map((unit, i) => unitProblem(unit, blocks[i]!)).filter((p) => p !== undefined);
  if (problems.length === 0) return undefined;
  // A unit that is not the one meant says more than one still running: it leads.
  problems.sort((a, b) => Number(a.reason === 'still-running') - Number(b.reason === 'still-running'));
  return { reason: problems[0]!.reason, text: problems.map((p) => p.text).join('; ') };
}

function unitProblem(asked: string, p: Map<string, string>): VerifyFailure | undefined {
  // Id is the name systemd resolved (`app` → `app.service`, an alias → its unit).
  const unit = p.get('Id') || asked;
  const load = p.get('LoadState');
  const active = p.get('ActiveState');
  if (load === 'not-found') return { reason: 'unit-not-found', text: `${unit}: no such unit (LoadState=not-found)` };
  if (load === 'masked') return { reason: 'unit-masked', text: `${unit} is masked` };
  if (load !== 'loaded') return { reason: 'unit-not-loaded', text: `${unit}: LoadState=${load ?? 'missing'}` };
  // inactive and failed both mean no process of the unit is left.
  if (active !== 'inactive' && active !== 'failed')
    return { reason: 'still-running', text: `${unit} is ${active ?? 'in an unknown state'}` };
  return undefined;
}

function properties(block: string): Map<string, string> {
  const entries = block.split('\n').filter((line) => line.includes('='));
  return new Map(
    entries.map((line) => [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()]),
  );
}

/** Stops systemd units; verified when every unit is loaded and none of them is active. */
export const systemdAction = defineDrainAction({
  name: 'systemd',
  options: z.strictObject({ units: z.array(unitName).min(1) }),
  estimateSeconds: 30,
  async run(ctx) {
    const result = mustReach(await ctx.ssh.run(`systemctl stop -- ${ctx.options.units.map(shellQuote).join(' ')}`));
    // Verify decides; the log says why the stop itself failed (a mistyped unit, no systemd).
    const failure = failureOf(result, STOP);
    if (failure) ctx.logger.warn({ reason: failure.reason, detail: failure.text }, 'systemctl stop failed');
  },
  async verify(ctx) {
    const units = ctx.options.units;
    return passesOnExit(
      await ctx.ssh.run(`systemctl show -p Id,LoadState,ActiveState -- ${units.map(shellQuote).join(' ')}`),
      SHOW(units),
    );
  },
});
