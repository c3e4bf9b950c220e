import { createServer, Socket } from 'node:net';
import { userInfo } from 'node:os';
import type { SshTarget } from '../../src/ssh/runner-types.js';

export interface SshTestNode {
  nodeId: string;
  clientId: string;
  host: '127.0.0.1';
  port: number;
  user: string;
  /** A scratch directory on the "node" (this machine) for files a test command writes. */
  workDir: string;
}

export interface SshTestNodes {
  kind: 'openssh' | 'ssh2';
  nodes: SshTestNode[];
  privateKeyPath: string;
  /** `[127.0.0.1]:PORT <host key>` for every node. */
  knownHostsPath: string;
  /** Scratch directory removed by stop(). */
  baseDir: string;
  /** `ssh-ed25519 AAAA…` of a node's host key. */
  hostPublicKey(nodeId: string): string;
  /** Logins the node's server has accepted so far. */
  logins(nodeId: string): number;
  /** Cuts every open connection of a node abruptly; the node keeps listening. */
  dropConnections(nodeId: string): Promise<void>;
  /** Stops a node's server (and its connections); startNode brings it back on the same port and key. */
  stopNode(nodeId: string): Promise<void>;
  startNode(nodeId: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartSshNodesOptions {
  /** Use the in-process ssh2 server even when /usr/sbin/sshd exists. */
  forceFallback?: boolean;
  /** Where to look for sshd (default /usr/sbin/sshd); lets a test pretend it is missing. */
  sshdPath?: string;
}

export const loginUser = (): string => userInfo().username;

export function nodeIdentity(i: number): Pick<SshTestNode, 'nodeId' | 'clientId'> {
  return { nodeId: `pc${String(i + 1).padStart(3, '0')}`, clientId: `node${i}` };
}

export function targetOf(node: SshTestNode): SshTarget {
  return { nodeId: node.nodeId, host: node.host, port: node.port, user: node.user };
}

/** Binds port 0 and releases it; the caller must cope with the small window where it can be taken. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves once something accepts TCP connections on the port, rejects after `ms`. */
export async function waitForPort(port: number, ms: number, isDead: () => string | undefined): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const dead = isDead();
    if (dead !== undefined) throw new Error(`server exited before listening on ${port}: ${dead}`);
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true)).once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}
