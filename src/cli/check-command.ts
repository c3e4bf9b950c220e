import { Command } from 'commander';
import type { StepOutline } from '../../machines/drain.types.js';
import { loadDrainPlan } from '../drain/load-plan.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const rung = (steps: StepOutline[]) => steps.map((s) => `${s.name} (~${s.estimateSeconds}s)`).join(' → ') || '—';

/** `check -c FILE`: validates the configuration and the drain plan (with plugins) and summarises them. */
export function checkCommand(): Command {
  return new Command('check')
    .description('validate a configuration file (and its drain plan and plugins) and print what the agent would manage')
    .requiredOption('-c, --config <file>', 'agent configuration (YAML)')
    .action(async (options: { config: string }) => {
      const config = await loadConfigOrExit(options.config);
      const plan = await loadDrainPlan(config);
      const { graceful, force, prepare, reserveSeconds } = plan.outline;
      process.stdout.write(
        `${options.config}: valid\n` +
          `  endpoint  ${config.endpoint.listen}${config.endpoint.path}\n` +
          `  nodes     ${config.nodes.length}${config.hostTemplate ? ` (+ learned: ${config.hostTemplate})` : ''}\n` +
          `  graceful  ${graceful.length === 0 && force.length === 0 ? '(no steps: nodes never verify)' : rung(graceful)}\n` +
          `  force     ${rung(force)}${force.length > 0 ? ` — starts ${reserveSeconds}s + estimates before the deadline` : ''}\n` +
          `  prepare   ${rung(prepare)}${prepare.length > 0 ? ` — at value ${config.drain.prepareAt ?? '(prepareAt unset: never)'} (${config.valueMeans})` : ''}\n` +
          `  on fail   ${config.drain.onFailure}\n` +
          `  ssh       ${config.dryRun ? 'dry run' : `${config.ssh.user}@… key ${config.ssh.privateKeyPath}, host keys ${config.ssh.hostKeyChecking}`}\n`,
      );
    });
}
