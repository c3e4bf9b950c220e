import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { type NodeJob, startNodeJob } from './node-job.js';
import type { SimNode } from './sim-record.js';
import { generateSshKeyPair } from './ssh-keys.js';
import { type ExecServer, startExecServer } from './ssh2-exec-server.js';

const { utils } = ssh2;

export interface EmulatedNode extends SimNode {
  clientId: string;
  host: '127.0.0.1';
  port: number;
  user: string;
  dir: string;
  job: NodeJob;
}

export interface EmulatedNodes {
  nodes: EmulatedNode[];
  /** The client key the agent logs in with, and the nodes' host keys for it to check. */
  privateKeyPath: string;
  knownHostsPath: string;
  logins(nodeId: string): number;
  stop(): Promise<void>;
}

/** Checkpoint times that spread the nodes' releases over a few countdown calls. */
export const defaultCheckpointSeconds = (i: number): number => 0.5 + ((i * 5) % 8) * 0.5;

/**
 * `count` nodes on this machine: each an SSH server on 127.0.0.1 (in-process, ssh2) with its own
 * host key and directory, running a job that writes progress until it is asked to checkpoint.
 */
export async function startEmulatedNodes(options: {
  count: number;
  baseDir: string;
  checkpointSeconds?: (index: number) => number;
}): Promise<EmulatedNodes> {
  const { count, baseDir, checkpointSeconds = defaultCheckpointSeconds } = options;
  const client = generateSshKeyPair('dynslice-demo-agent');
  const clientKey = utils.parseKey(client.public);
  if (clientKey instanceof Error) throw clientKey;
  const privateKeyPath = join(baseDir, 'agent_ed25519');
  await writeFile(privateKeyPath, client.private, { mode: 0o600 });
  const user = userInfo().username;
  const nodes: EmulatedNode[] = [];
  const servers: ExecServer[] = [];
  const logins = new Map<string, number>();
  const knownHosts: string[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const nodeId = `pc${101 + i}`;
      const dir = join(baseDir, nodeId);
      await mkdir(dir, { recursive: true });
      const hostKey = generateSshKeyPair(`dynslice-demo-${nodeId}`);
      logins.set(nodeId, 0);
      const server = await startExecServer({
        hostKey: hostKey.private,
        allowedKey: clientKey.getPublicSSH(),
        user,
        workDir: dir,
        port: 0,
        onLogin: () => logins.set(nodeId, (logins.get(nodeId) ?? 0) + 1),
      });
      servers.push(server);
      knownHosts.push(`[127.0.0.1]:${server.port} ${hostKey.public.split(' ').slice(0, 2).join(' ')}\n`);
      const job = await startNodeJob(dir, checkpointSeconds(i));
      nodes.push({ nodeId, clientId: `node${i + 1}`, host: '127.0.0.1', port: server.port, user, dir, job });
    }
  } catch (error) {
    await stopAll(nodes, servers);
    throw error;
  }
  const knownHostsPath = join(baseDir, 'known_hosts');
  await writeFile(knownHostsPath, knownHosts.join(''));
  return {
    nodes,
    privateKeyPath,
    knownHostsPath,
    logins: (nodeId) => logins.get(nodeId) ?? 0,
    stop: () => stopAll(nodes, servers),
  };
}

async function stopAll(nodes: EmulatedNode[], servers: ExecServer[]): Promise<void> {
  for (const node of nodes) node.job.kill();
  await Promise.all(servers.map((server) => server.close()));
}
