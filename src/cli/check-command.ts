import { Command } from 'commander';
import type { StepOutline } from '../../machines/drain.types.js';
import { ConfigError } from '../config/load-config.js';
import { ROOT_KEYS_HINT } from '../config/operator-errors.js';
import type { AgentConfig } from '../config/schema.js';
import { loadDrainPlan } from '../drain/load-plan.js';
import { readEndpointSecrets } from '../endpoint/endpoint-secrets.js';
import { createLogger } from '../log/logger.js';
import type { ListedNode } from '../node-list/listed-node.js';
import { runnerFor } from '../ssh/runner-for.js';
import { CliExit, configExit, EXIT } from './exit-codes.js';
import { loadConfigOrExit } from './load-config-or-exit.js';
import { checkLogins, loginTable } from './login-check.js';
import { readNodeListOrExit } from './node-list-or-exit.js';
import { preflight } from './preflight.js';
import { readPrivateKeyOrExit } from './private-key-or-exit.js';

const rung = (steps: StepOutline[]) => steps.map((s) => `${s.name} (~${s.estimateSeconds}s)`).join(' → ') || '—';

const keySource = (config: AgentConfig): string =>
  config.ssh.privateKeyCommand === undefined
    ? `key ${config.ssh.privateKeyPath}`
    : `key from command ${JSON.stringify(config.ssh.privateKeyCommand)}`;

/**
 * `check -c FILE`: validates the configuration, its node list (a manifest is read) and drain plan
 * (with plugins) and summarises them; `--ssh` also logs in to every node once and exits 1 unless
 * every node was reachable.
 */
export function checkCommand(): Command {
  return new Command('check')
    .description(
      'validate a configuration file (its node list, drain plan and plugins) and print what the agent would manage',
    )
    .requiredOption('-c, --config <file>', 'agent configuration (YAML)')
    .option(
      '--ssh',
      'also log in to every node once and report, per node, whether it is reachable (exit 1 if one is not)',
    )
    .action(async (options: { config: string; ssh?: boolean }) => {
      const config = await loadConfigOrExit(options.config);
      // The files run reads before it listens: a missing certificate or token fails here, not at start.
      const secrets = await readEndpointSecrets(config.endpoint).catch((error: unknown) => {
        throw error instanceof ConfigError ? configExit(error) : error;
      });
      const plan = await loadDrainPlan(config);
      const { source, list } = await readNodeListOrExit(config);
      // What run would refuse to start with is refused here too (exit 2, naming the key and the fix);
      // --ssh logs in whatever dryRun says, so its key is checked then too.
      await preflight(config, { dryRun: config.dryRun && options.ssh !== true });
      const { graceful, force, prepare, reserveSeconds } = plan.outline;
      const from = source.label === 'config' ? '' : ` from ${source.label}`;
      process.stdout.write(
        `${options.config}: valid\n` +
          `  endpoint  ${secrets.tls ? 'https' : 'http'}://${config.endpoint.listen}${config.endpoint.path}` +
          `${secrets.token === null ? '' : '/[token]'}${secrets.tls?.clientCa ? ' (client certificates checked)' : ''}\n` +
          `  nodes     ` +
          `${list.nodes.length}${from}${config.hostTemplate ? ` (+ learned: ${config.hostTemplate})` : ''}\n` +
          `  graceful  ` +
          `${graceful.length === 0 && force.length === 0 ? '(no steps: nodes never verify)' : rung(graceful)}\n` +
          `  force     ` +
          `${rung(force)}${force.length > 0 ? ` — starts ${reserveSeconds}s + estimates before the deadline` : ''}\n` +
          `  prepare   ` +
          `${rung(prepare)}${prepare.length > 0 ? ` — at value ${config.drain.prepareAt ?? '(prepareAt unset: never)'} (${config.valueMeans})` : ''}\n` +
          `  on fail   ${config.drain.onFailure}\n` +
          `  ssh       ` +
          `${config.dryRun ? 'dry run' : `${config.ssh.user}@… ${keySource(config)}, host keys ${config.ssh.hostKeyChecking}`}\n`,
      );
      if (options.ssh) await checkSsh(config, list.nodes);
    });
}

/** One login per node, whatever dryRun says (the check is asked for by name). */
async function checkSsh(config: AgentConfig, nodes: readonly ListedNode[]): Promise<void> {
  // A key that cannot log in anywhere was named once by preflight, not as one failed login per node.
  const privateKey = await readPrivateKeyOrExit(config);
  const runner = runnerFor(config, 'ssh', { logger: createLogger({ level: 'silent' }), privateKey });
  try {
    const timeoutMs = config.ssh.connectTimeoutSeconds * 1000 + 10_000;
    const checks = await checkLogins(nodes, runner, timeoutMs, config.ssh.knownHostsPath);
    process.stdout.write(`\n${loginTable(checks)}`);
    if (checks.some((check) => check.outcome === 'auth failed'))
      process.stdout.write(`\nauth failed: the nodes refused the key ${keySource(config)} (${ROOT_KEYS_HINT})\n`);
    if (checks.some((check) => check.outcome !== 'reachable')) throw new CliExit(EXIT.failure);
  } finally {
    await runner.close();
  }
}
