import { describe, expect, it } from 'vitest';
import { sshSchema } from '../../src/config/ssh-schema.js';
import { DryRunSshRunner } from '../../src/ssh/dry-run-runner.js';
import { runnerFor } from '../../src/ssh/runner-for.js';
import { SSH_DEFAULTS, sshSettings } from '../../src/ssh/ssh-settings.js';
import { captureLogger } from '../helpers/capture-logger.js';

/** The `ssh.*` keys read elsewhere than the runner's options, and where. */
const READ_ELSEWHERE = {
  user: 'each node target (agent.ts)',
  port: 'each node target (agent.ts)',
  privateKeyPath: 'runnerFor: the key file, unless privateKeyCommand printed one',
  privateKeyCommand: 'readPrivateKeyOrExit, before the runner is made',
  preconnect: 'agent.ts, at start',
};

describe('one path from configuration to runner', () => {
  it('every ssh.* key reaches the runner through sshSettings, or is read where the list says', () => {
    const config = sshSchema.parse({
      concurrency: 3,
      connectTimeoutSeconds: 4,
      outputHeadBytes: 5,
      outputTailBytes: 6,
      unkeptOutputBytesPerSecond: 7,
      unkeptOutputBytesPerSecondTotal: 8,
      knownHostsPath: '/k',
      hostKeyChecking: 'no',
    });
    const settings = sshSettings(config);
    const values = Object.values(settings);
    // Each value set above reaches the options (seconds as milliseconds).
    const reaches = (value: unknown) =>
      values.includes(value as never) || (typeof value === 'number' && values.includes((value * 1000) as never));
    const unmapped = Object.keys(sshSchema.shape).filter(
      (key) => !(key in READ_ELSEWHERE) && !reaches(config[key as keyof typeof config]),
    );
    expect(unmapped, 'a new ssh.* key must be mapped in src/ssh/ssh-settings.ts').toEqual([]);
    expect(settings.connectTimeoutMs).toBe(4_000);
  });

  it("the runner's defaults are the schema's", () => {
    const parsed = sshSchema.parse({});
    expect(SSH_DEFAULTS).toEqual(sshSettings(parsed));
    expect(SSH_DEFAULTS.connectTimeoutMs).toBe(parsed.connectTimeoutSeconds * 1000);
  });

  it('dry-run is chosen by the mode: configured follows dryRun, ssh ignores it, dry-run always', async () => {
    const { logger } = captureLogger();
    const ssh = sshSchema.parse({ privateKeyPath: '/nonexistent/key' });
    const made = [
      runnerFor({ ssh, dryRun: true }, 'configured', { logger }),
      runnerFor({ ssh, dryRun: false }, 'dry-run', { logger }),
      runnerFor({ ssh, dryRun: true }, 'ssh', { logger }),
      runnerFor({ ssh, dryRun: false }, 'configured', { logger }),
    ];
    expect(made.map((runner) => runner instanceof DryRunSshRunner)).toEqual([true, true, false, false]);
    await Promise.all(made.map((runner) => runner.close()));
  });
});
