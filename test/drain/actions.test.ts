import { describe, expect, it } from 'vitest';
import { drainSchema } from '../../src/config/drain-schema.js';
import type { ConfigError } from '../../src/config/load-config.js';
import { compilePlan, type PlanStep } from '../../src/drain/plan.js';
import { ActionRegistry } from '../../src/drain/registry.js';
import type { DrainActionContext, SshRunOptions } from '../../src/drain/sdk.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { type ResultParts, runResult } from '../helpers/fake-ssh-runner.js';

interface Recorded {
  command: string;
  options: SshRunOptions;
}

/** Compiles one step from YAML-shaped config, then runs its action against a recording ssh. */
async function exercise(step: Record<string, unknown>, answer: ResultParts = { code: 0 }) {
  const plan = compilePlan(drainSchema.parse({ graceful: [step] }), new ActionRegistry());
  const compiled = plan.steps.graceful[0] as PlanStep;
  const calls: Recorded[] = [];
  const ctx: DrainActionContext<unknown> = {
    node: { nodeId: 'pc101', clientId: 'node1', host: 'node1.example', port: 22, user: 'root' },
    options: compiled.options,
    deadline: 1_900_000_000_000,
    signal: new AbortController().signal,
    logger: captureLogger().logger,
    attempt: 0,
    ssh: {
      run: async (command, options = {}) => {
        calls.push({ command, options });
        return runResult(answer);
      },
    },
  };
  await compiled.action.run(ctx);
  const ran = calls.splice(0);
  const verdict = await compiled.action.verify(ctx);
  return { compiled, ran, verified: calls, verdict };
}

function configError(step: Record<string, unknown>): ConfigError {
  try {
    compilePlan(drainSchema.parse({ force: [step] }), new ActionRegistry());
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('built-in drain actions', () => {
  it('command runs and verifies the given shell', async () => {
    const r = await exercise({ action: 'command', run: 'systemctl stop app', verify: '! pgrep app' });
    expect(r.ran.map((c) => c.command)).toEqual(['systemctl stop app']);
    expect(r.verified.map((c) => c.command)).toEqual(['! pgrep app']);
    expect(r.verdict).toEqual({ passed: true });
  });

  it('kill signals by pattern through the environment, escalating to KILL after a wait', async () => {
    const r = await exercise({ action: 'kill', pattern: 'my-job', signal: 'TERM', user: 'alice', killAfterSeconds: 5 });
    expect(r.ran[0]?.command).toBe(
      'pkill -TERM -u alice -f -- "$DYNSLICE_KILL_PATTERN"; sleep 5; pkill -KILL -u alice -f -- "$DYNSLICE_KILL_PATTERN"; true',
    );
    expect(r.ran[0]?.options.env).toEqual({ DYNSLICE_KILL_PATTERN: 'my-job' });
    expect(r.verified[0]?.command).toBe('pgrep -u alice -f -- "$DYNSLICE_KILL_PATTERN"');
    expect(r.compiled.estimateSeconds).toBe(7);
  });

  it('kill reports survivors as a failed verify, with their pids', async () => {
    const r = await exercise({ action: 'kill', pattern: 'x' }, { code: 0, stdout: '4242\n4243\n' });
    expect(r.verdict).toEqual({ passed: false, detail: 'still-running: processes still match: 2 (4242, 4243)' });
  });

  it('systemd stops the units and verifies each is loaded and not active', async () => {
    const units = ['slurmd.service', 'app@1.service'];
    const show = (one: string, two: string) =>
      `Id=slurmd.service\nLoadState=loaded\nActiveState=${one}\n\nId=app@1.service\n${two}\n`;
    const r = await exercise(
      { action: 'systemd', units },
      { code: 0, stdout: show('inactive', 'LoadState=loaded\nActiveState=failed') },
    );
    expect(r.ran[0]?.command).toBe("systemctl stop -- 'slurmd.service' 'app@1.service'");
    expect(r.verified[0]?.command).toBe(
      "systemctl show -p Id,LoadState,ActiveState -- 'slurmd.service' 'app@1.service'",
    );
    expect(r.verdict).toEqual({ passed: true });
    const verdict = async (stdout: string) =>
      (await exercise({ action: 'systemd', units }, { code: 0, stdout })).verdict;
    expect(await verdict(show('deactivating', 'LoadState=loaded\nActiveState=inactive'))).toEqual({
      passed: false,
      detail: 'still-running: slurmd.service is deactivating',
    });
    expect(await verdict(show('inactive', 'LoadState=not-found\nActiveState=inactive'))).toEqual({
      passed: false,
      detail: 'unit-not-found: app@1.service: no such unit (LoadState=not-found)',
    });
    expect(await verdict(show('active', 'LoadState=masked\nActiveState=inactive'))).toEqual({
      passed: false,
      detail: 'unit-masked: app@1.service is masked; slurmd.service is active',
    });
    expect(await verdict('Id=slurmd.service\nLoadState=loaded\nActiveState=inactive\n')).toMatchObject({
      passed: false,
      detail: expect.stringMatching(/^unexpected-output: /),
    });
  });

  it('slurm drains the node on the node itself by default', async () => {
    const r = await exercise({ action: 'slurm', reason: 'reclaimed by cluster' });
    expect(r.ran[0]?.command).toBe(
      'N="${DYNSLICE_SLURM_NODE:-$(hostname -s)}"; scontrol update nodename="$N" state=DRAIN reason="$DYNSLICE_SLURM_REASON"',
    );
    expect(r.ran[0]?.options).toEqual({
      on: undefined,
      env: { DYNSLICE_SLURM_NODE: '', DYNSLICE_SLURM_REASON: 'reclaimed by cluster' },
    });
    expect(r.verified[0]?.command).toBe('N="${DYNSLICE_SLURM_NODE:-$(hostname -s)}"; squeue -h -w "$N"');
  });

  it('slurm on a controller names the node by its client id and can requeue or cancel jobs', async () => {
    const controller = { host: 'head.example', user: 'slurm' };
    const requeue = await exercise({ action: 'slurm', controller, jobs: 'requeue' });
    expect(requeue.ran[0]?.options.on).toEqual(controller);
    expect(requeue.ran[0]?.options.env?.DYNSLICE_SLURM_NODE).toBe('node1');
    expect(requeue.ran[0]?.command).toContain('squeue -h -w "$N" -o %A | xargs -r -n1 scontrol requeue');
    const cancel = await exercise({ action: 'slurm', nodeName: '{node_id}-ib', jobs: 'cancel' });
    expect(cancel.ran[0]?.command).toContain('&& scancel -w "$N"');
    expect(cancel.ran[0]?.options.env?.DYNSLICE_SLURM_NODE).toBe('pc101-ib');
    expect(cancel.compiled.estimateSeconds).toBe(15);
  });

  it('docker stops containers by label with a stop timeout', async () => {
    const r = await exercise({ action: 'docker', label: 'com.example.job', stopTimeoutSeconds: 30 });
    expect(r.ran[0]?.command).toBe(
      'ids=$(docker ps -q --filter \'label=com.example.job\') && { [ -z "$ids" ] || docker stop -t 30 $ids; }',
    );
    expect(r.verified[0]?.command).toBe("docker ps -q --filter 'label=com.example.job'");
  });

  it('wait-idle runs nothing and polls its check for the whole step timeout', async () => {
    const r = await exercise({
      action: 'wait-idle',
      check: 'test ! -e /run/busy',
      intervalSeconds: 10,
      timeoutSeconds: 120,
    });
    expect(r.ran).toEqual([]);
    expect(r.verified[0]?.command).toBe('test ! -e /run/busy');
    expect(r.compiled).toMatchObject({ verifyIntervalSeconds: 10, verifyAttempts: 12 });
  });

  it('step keys override what the action says', async () => {
    const r = await exercise({ action: 'kill', pattern: 'x', name: 'stop-x', estimateSeconds: 42, verifyAttempts: 9 });
    expect(r.compiled).toMatchObject({ name: 'stop-x', estimateSeconds: 42, verifyAttempts: 9, timeoutSeconds: 60 });
  });
});

describe('drain plan configuration errors', () => {
  it('name the option of the step', () => {
    expect(configError({ action: 'kill', pattern: 'x', signal: 'SIGFOO' }).key).toBe('drain.force[0].signal');
    expect(configError({ action: 'kill' }).key).toBe('drain.force[0].pattern');
    expect(configError({ action: 'systemd', units: ['a b'] }).key).toBe('drain.force[0].units[0]');
    // systemctl reads an all-digit argument as a job id: it would never name the unit.
    expect(configError({ action: 'systemd', units: ['8080'] }).message).toContain('not a number');
    expect(configError({ action: 'docker', lable: 'x' }).key).toBe('drain.force[0].lable');
  });

  it('name an unknown action', () => {
    const error = configError({ action: 'reboot' });
    expect(error.key).toBe('drain.force[0].action');
    expect(error.message).toContain('known: command, kill, systemd, slurm, kubernetes, docker, wait-idle');
  });

  it('read the older steps list as graceful command steps', () => {
    const plan = compilePlan(
      drainSchema.parse({ steps: [{ name: 'a', run: 'x', verify: 'y', timeoutSeconds: 5 }] }),
      new ActionRegistry(),
    );
    expect(plan.outline.graceful).toEqual([
      { name: 'a', estimateSeconds: 10, timeoutSeconds: 5, verifyAttempts: 5, verifyIntervalSeconds: 2 },
    ]);
    expect(plan.steps.graceful[0]?.action.name).toBe('command');
  });

  it('refuse steps and graceful together', () => {
    expect(() =>
      compilePlan(
        drainSchema.parse({
          steps: [{ name: 'a', run: 'x', verify: 'y' }],
          graceful: [{ action: 'kill', pattern: 'x' }],
        }),
        new ActionRegistry(),
      ),
    ).toThrow(/drain.steps/);
  });
});
