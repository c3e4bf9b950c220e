import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PdshRun {
  port: number;
  user: string;
  privateKeyPath: string;
  knownHostsPath: string;
  nodes: number;
  fanout: number;
  /** Where each target writes its stamp. */
  dir: string;
}

/**
 * `pdsh -R ssh` over node1..nodeN, every name mapped to the one loopback sshd by an ssh_config;
 * each target runs the agent's step (stamp, then verify it) in one session.
 */
export async function runPdsh(run: PdshRun): Promise<{ startedAt: number; endedAt: number }> {
  const config = join(run.dir, '..', `ssh_config_${run.nodes}`);
  writeFileSync(
    config,
    [
      'Host node*',
      '  HostName 127.0.0.1',
      `  Port ${run.port}`,
      `  User ${run.user}`,
      `  IdentityFile ${run.privateKeyPath}`,
      `  UserKnownHostsFile ${run.knownHostsPath}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
  // SSH_CONNECTION (client port) and the shell pid: a distinct stamp per target, one command text for all.
  const stamp = `${run.dir}/"$(echo $SSH_CONNECTION | tr ' ' _)-$$"`;
  const command = `date +%s%N > ${stamp} && test -s ${stamp}`;
  const args = ['-R', 'ssh', '-f', String(run.fanout), '-w', `node[1-${run.nodes}]`, command];
  const startedAt = Date.now();
  const child = spawn('pdsh', args, {
    env: { ...process.env, PDSH_SSH_ARGS: `-F ${config} %h` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('exit', resolve);
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('pdsh is not installed (apt-get install pdsh): the fan-out compares against it')
          : error,
      ),
    );
  });
  clearTimeout(timer);
  const endedAt = Date.now();
  if (code !== 0) throw new Error(`pdsh exited with ${code}: ${stderr.slice(0, 500)}`);
  return { startedAt, endedAt };
}

/** The start time (epoch ms) each target wrote; throws unless all `expected` stamps are there. */
export function stampTimes(dir: string, expected: number): number[] {
  const files = readdirSync(dir);
  const times = files.map((file) => Number(BigInt(readFileSync(join(dir, file), 'utf8').trim()) / 1_000_000n));
  if (times.length !== expected || times.some((t) => !Number.isFinite(t))) {
    throw new Error(`${times.length} stamps of ${expected} in ${dir}`);
  }
  return times;
}
