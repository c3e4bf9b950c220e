import { describe, expect, it } from 'vitest';
import { DryRunSshRunner } from '../../src/ssh/dry-run-runner.js';
import { captureLogger } from '../helpers/capture-logger.js';

describe('DryRunSshRunner', () => {
  it('logs the command it would run, never env values, and reports a dry run', async () => {
    const { logger, lines } = captureLogger();
    const runner = new DryRunSshRunner(logger);
    const target = { nodeId: 'pc1', host: 'pc1.lab', port: 22, user: 'root' };
    const result = await runner.run(target, 'systemctl stop slurmd', {
      timeoutMs: 30_000,
      env: { TOKEN: 'secret-value' },
    });
    expect(result).toEqual({ kind: 'dryRun', code: 0, stdout: '', stderr: '' });
    expect(runner.calls).toEqual([
      { target, command: 'systemctl stop slurmd', env: { TOKEN: 'secret-value' }, timeoutMs: 30_000 },
    ]);
    const logged = lines.find((l) => l.msg === 'dry run: would run command');
    expect(logged).toMatchObject({
      nodeId: 'pc1',
      command: 'systemctl stop slurmd',
      envNames: ['TOKEN'],
      dryRun: true,
    });
    expect(JSON.stringify(lines)).not.toContain('secret-value');
  });
});
