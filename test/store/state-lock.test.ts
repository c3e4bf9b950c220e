import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AgentProcess,
  BIN,
  type LogLine,
  launchAgentProcess,
  startAgentProcess,
} from '../helpers/agent-process.js';
import { PYTHON } from '../helpers/python.js';
import { throwawayKey } from '../helpers/throwaway-key.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

const key = throwawayKey();
const configFor = (stateDir: string) => ({
  endpoint: { listen: '127.0.0.1:0' },
  ssh: key.ssh,
  nodes: [{ node_id: 'pc1', host: '127.0.0.1' }],
  drain: { steps: [{ name: 'stop-jobs', run: 'true', verify: 'true' }] },
  state: { dir: stateDir },
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A scratch directory with `state/` and a config directory per agent to start. */
async function scratch(): Promise<{ stateDir: string; configDir: (name: string) => Promise<string> }> {
  const root = await mkdtemp(join(tmpdir(), 'dynslice-lock-'));
  const stateDir = join(root, 'state');
  await mkdir(stateDir);
  return {
    stateDir,
    configDir: async (name) => {
      await mkdir(join(root, name));
      return join(root, name);
    },
  };
}

/** A process that is not an agent, alive for the test. */
function unrelatedProcess(): ChildProcess {
  const child = spawn('sleep', ['120'], { stdio: 'ignore' });
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}

async function startAgent(dir: string, stateDir: string): Promise<AgentProcess> {
  const agent = await startAgentProcess(dir, configFor(stateDir));
  cleanups.push(() => agent.kill());
  return agent;
}

/** The agent answers an independent caller: it is the one serving. */
async function expectServing(agent: AgentProcess): Promise<void> {
  const [outcome] = await callWithPython(agent.url, [{ method: 'GetVersion' }]);
  expect(outcome?.result).toMatchObject({ code: 0 });
}

const REFUSED = (stateDir: string, pid?: number) =>
  `${stateDir}: another agent${pid === undefined ? '' : ` (pid ${pid})`} uses this state directory`;

describe('one agent per state directory', () => {
  it('starts when the lock file names a live process that is not an agent (a pid reused after a reboot)', async () => {
    const { stateDir, configDir } = await scratch();
    const other = unrelatedProcess();
    await writeFile(join(stateDir, 'agent.lock'), String(other.pid));
    const agent = await startAgent(await configDir('a'), stateDir);
    await expectServing(agent);
  });

  it('an empty lock file keeps out no one, but a holder that has not written its pid yet keeps out the next agent', async () => {
    const { stateDir, configDir } = await scratch();
    await writeFile(join(stateDir, 'agent.lock'), '');
    const first = await startAgent(await configDir('a'), stateDir);
    await expectServing(first);
    const second = await launchAgentProcess(await configDir('b'), configFor(stateDir));
    expect(second).toMatchObject({ code: 1 });
    expect('stderr' in second && second.stderr).toContain(stateDir);
    expect('stderr' in second && second.stderr).toContain(
      `another agent (pid ${first.child.pid}) uses this state directory`,
    );
    await first.stop();

    // A holder between taking the lock and writing its pid: the file is empty, the holder alive.
    const holder = spawn(
      PYTHON,
      [
        '-c',
        'import fcntl, sys, time\nf = open(sys.argv[1], "a")\nfcntl.flock(f, fcntl.LOCK_EX)\nprint("held", flush=True)\ntime.sleep(120)',
        join(stateDir, 'agent.lock'),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    cleanups.push(() => holder.kill('SIGKILL'));
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    expect(await readFile(join(stateDir, 'agent.lock'), 'utf8')).toBe('');
    const third = await launchAgentProcess(await configDir('c'), configFor(stateDir));
    if ('agent' in third) cleanups.push(() => third.agent.kill());
    expect(third).toMatchObject({ code: 1 });
    expect('stderr' in third && third.stderr).toContain(REFUSED(stateDir));
  });

  it('of two agents started at the same moment over a stale lock, exactly one serves and the other exits with the message', async () => {
    const { stateDir, configDir } = await scratch();
    await writeFile(join(stateDir, 'agent.lock'), String(unrelatedProcess().pid));
    const [a, b] = await Promise.all([
      launchAgentProcess(await configDir('a'), configFor(stateDir)),
      launchAgentProcess(await configDir('b'), configFor(stateDir)),
    ]);
    const serving = [a, b].flatMap((started) => ('agent' in started ? [started.agent] : []));
    for (const agent of serving) cleanups.push(() => agent.kill());
    expect(serving).toHaveLength(1);
    await expectServing(serving[0]!);
    const refused = [a, b].find((started) => !('agent' in started));
    expect(refused).toMatchObject({ code: 1 });
    expect(refused && 'stderr' in refused && refused.stderr).toContain(REFUSED(stateDir, serving[0]!.child.pid));
  });

  it('an agent killed with SIGKILL and left a zombie by its parent does not keep the next one out', async () => {
    const { stateDir, configDir } = await scratch();
    const dir = await configDir('a');
    await writeFile(join(dir, 'agent.yaml'), JSON.stringify(configFor(stateDir)));
    // A parent that never reaps: the killed agent stays a zombie, its pid still "alive" to kill(pid, 0).
    const parent = spawn(
      PYTHON,
      [
        '-c',
        'import subprocess, sys, time\nsubprocess.Popen(sys.argv[1:])\ntime.sleep(120)',
        process.execPath,
        BIN,
        'run',
        '-c',
        join(dir, 'agent.yaml'),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    // The parent and the agent it started, as one process group.
    cleanups.push(() => process.kill(-parent.pid!, 'SIGKILL'));
    let log = '';
    parent.stdout.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    await expect.poll(() => log.includes('"endpoint listening"'), { timeout: 30_000 }).toBe(true);
    const pid = (JSON.parse(log.split('\n')[0]!) as LogLine).pid as number;
    process.kill(pid, 'SIGKILL');
    await expect
      .poll(async () => (await readFile(`/proc/${pid}/stat`, 'utf8')).split(' ')[2], { timeout: 10_000 })
      .toBe('Z');

    const next = await startAgent(await configDir('b'), stateDir);
    await expectServing(next);
    // `history` reads the journal without the lock, beside the running agent.
    const history = spawnSync(process.execPath, [BIN, 'history', '-c', join(dir, 'agent.yaml')], { encoding: 'utf8' });
    expect(history.status).toBe(0);
    expect(history.stdout).toContain(`agent started (pid ${next.child.pid})`);
  });
});
