import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

const DAEMONS = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd'];

/**
 * Why a real Slurm cannot run here, or null: its daemons (Debian `slurm-wlm`, `munge`) and root,
 * which slurmd needs to start jobs as their users.
 */
export function slurmMissing(): string | null {
  const missing = DAEMONS.filter((path) => !existsSync(path));
  if (missing.length > 0) return `${missing.join(', ')} not found: install slurm-wlm and munge`;
  if (process.getuid?.() !== 0) return 'slurmd must run as root';
  return null;
}

/** True when the real-Slurm tests run; throws when DYNSLICE_REQUIRE_SLURM=1 and they cannot. */
export function slurmRuns(): boolean {
  const why = slurmMissing();
  if (why !== null && process.env.DYNSLICE_REQUIRE_SLURM === '1') throw new Error(`DYNSLICE_REQUIRE_SLURM=1: ${why}`);
  return why === null;
}

export interface RealSlurm {
  /** The slurm.conf every command must read (SLURM_CONF). */
  conf: string;
  /** This machine's node in Slurm (its short hostname, as slurmd and the action name it). */
  nodeName: string;
  dir: string;
  /** Runs a Slurm command (scontrol, squeue, sbatch, …) on this machine against this cluster; its stdout. */
  run(command: string, args: string[]): string;
  /** Stops the controller (the commands then cannot reach it). */
  stopController(): Promise<void>;
  stop(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const stopped = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });

/**
 * A one-node Slurm cluster on this machine, as a Debian node runs one: munged with its own key and
 * socket, slurmctld and slurmd in the foreground on free loopback ports, every file in a scratch
 * directory (nothing under /etc or /run is touched). The node is this machine, with one CPU, so a
 * second job waits for the first. Resolves once the node is idle.
 */
export async function startSlurm(): Promise<RealSlurm> {
  const dir = mkdtempSync(join(tmpdir(), 'dynslice-slurm-'));
  const nodeName = hostname().split('.')[0]!;
  const conf = join(dir, 'slurm.conf');
  const socket = join(dir, 'munge.socket');
  const children: ChildProcess[] = [];
  const env = { ...process.env, SLURM_CONF: conf };
  const run = (command: string, args: string[]): string =>
    execFileSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  const daemon = (path: string, args: string[]): ChildProcess => {
    const child = spawn(path, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    child.stderr?.on('data', (chunk: Buffer) => void (said = (said + chunk.toString()).slice(-4_000)));
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal === null) console.warn(`${path} exited ${code}: ${said}`);
    });
    children.push(child);
    return child;
  };
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await stopped(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    writeFileSync(join(dir, 'munge.key'), execFileSync('head', ['-c', '1024', '/dev/urandom']), { mode: 0o600 });
    for (const sub of ['state', 'spool']) mkdirSync(join(dir, sub));
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    writeFileSync(
      conf,
      [
        'ClusterName=dynslice',
        `SlurmctldHost=${nodeName}(127.0.0.1)`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        'AuthType=auth/munge',
        `AuthInfo=socket=${socket}`,
        'CredType=cred/munge',
        'SlurmUser=root',
        'SlurmdUser=root',
        `StateSaveLocation=${join(dir, 'state')}`,
        `SlurmdSpoolDir=${join(dir, 'spool')}`,
        `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
        // No cgroups: a container has none to give; processes are tracked by their parents.
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_CPU',
        'ReturnToService=2',
        'MpiDefault=none',
        `NodeName=${nodeName} NodeAddr=127.0.0.1 CPUs=1 State=UNKNOWN`,
        'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    const munged = ['-F', '-f', `--socket=${socket}`, `--key-file=${join(dir, 'munge.key')}`];
    const files = [`--log-file=${join(dir, 'munged.log')}`, `--pid-file=${join(dir, 'munged.pid')}`];
    daemon('/usr/sbin/munged', [...munged, ...files, `--seed-file=${join(dir, 'munged.seed')}`]);
    await until(() => existsSync(socket), 'munged to listen');
    const controller = daemon('/usr/sbin/slurmctld', ['-D', '-i', '-f', conf]);
    daemon('/usr/sbin/slurmd', ['-D', '-N', nodeName, '-f', conf]);
    await until(() => {
      try {
        return run('sinfo', ['-h', '-n', nodeName, '-o', '%T']).trim() === 'idle';
      } catch {
        return false;
      }
    }, `${nodeName} to be idle in Slurm`);
    return {
      conf,
      nodeName,
      dir,
      run,
      stopController: () => stopped(controller),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls `ready` every 200 ms until it holds or `ms` pass; whether it held. */
export async function eventually(ready: () => boolean, ms = 30_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!ready() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  return ready();
}

async function until(ready: () => boolean, what: string): Promise<void> {
  if (!(await eventually(ready))) throw new Error(`timed out waiting for ${what}`);
}
