import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { generateSshKeyPair } from '../../src/sim/ssh-keys.js';
import { type ExecServer, startExecServer } from '../../src/sim/ssh2-exec-server.js';
import { freePort, loginUser, nodeIdentity, type SshTestNode, type SshTestNodes } from './ssh-test-nodes.js';

const { utils } = ssh2;

interface FallbackNode {
  node: SshTestNode;
  hostKey: { private: string; public: string };
  server?: ExecServer;
  logins: number;
}

/** An in-process SSH server per node: public key auth with one client key, exec via `sh -c`. */
export async function startSsh2Nodes(count: number): Promise<SshTestNodes> {
  const baseDir = mkdtempSync(join(tmpdir(), 'dynslice-ssh2-'));
  const client = generateSshKeyPair('dynslice-test-client');
  const privateKeyPath = join(baseDir, 'client_ed25519');
  writeFileSync(privateKeyPath, client.private, { mode: 0o600 });
  const clientKey = utils.parseKey(client.public) as ParsedKey;
  const nodes: FallbackNode[] = [];
  for (let i = 0; i < count; i += 1) {
    const workDir = join(baseDir, `node${i}`, 'work');
    mkdirSync(workDir, { recursive: true });
    const node: SshTestNode = {
      ...nodeIdentity(i),
      host: '127.0.0.1',
      port: await freePort(),
      user: loginUser(),
      workDir,
    };
    const hostKey = generateSshKeyPair(`dynslice-test-host-${i}`);
    const n: FallbackNode = { node, hostKey, logins: 0 };
    nodes.push(n);
    await listen(n, clientKey.getPublicSSH());
  }
  const knownHostsPath = join(baseDir, 'known_hosts');
  writeFileSync(knownHostsPath, nodes.map((n) => `[127.0.0.1]:${n.node.port} ${publicKeyOf(n)}\n`).join(''));
  const byId = (id: string): FallbackNode => {
    const n = nodes.find((x) => x.node.nodeId === id);
    if (!n) throw new Error(`no test node ${id}`);
    return n;
  };
  return {
    kind: 'ssh2',
    nodes: nodes.map((n) => n.node),
    privateKeyPath,
    knownHostsPath,
    baseDir,
    hostPublicKey: (id) => publicKeyOf(byId(id)),
    logins: (id) => byId(id).logins,
    dropConnections: async (id) => byId(id).server?.dropConnections(),
    stopNode: async (id) => stopNode(byId(id)),
    startNode: async (id) => listen(byId(id), clientKey.getPublicSSH()),
    stop: async () => {
      await Promise.all(nodes.map(stopNode));
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

function publicKeyOf(n: FallbackNode): string {
  return n.hostKey.public.split(' ').slice(0, 2).join(' ');
}

/** The server itself lives in src/sim (the demo's emulated nodes use the same one). */
async function listen(n: FallbackNode, allowedKey: Buffer): Promise<void> {
  const { node } = n;
  const onLogin = () => void (n.logins += 1);
  n.server = await startExecServer({
    hostKey: n.hostKey.private,
    allowedKey,
    user: node.user,
    workDir: node.workDir,
    port: node.port,
    onLogin,
  });
}

async function stopNode(n: FallbackNode): Promise<void> {
  const server = n.server;
  n.server = undefined;
  await server?.close();
}
