import { type ChildProcess, spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { userInfo } from 'node:os';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';

const { Server, utils } = ssh2;

export interface ExecServerOptions {
  /** Private host key (OpenSSH or PEM text). */
  hostKey: string;
  /** The one client public key accepted (SSH wire format, `parseKey(...).getPublicSSH()`). */
  allowedKey: Buffer;
  /** The login name accepted; commands run as the current OS user. */
  user: string;
  /** Commands run here, like a node's home directory. */
  workDir: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  onLogin?: () => void;
}

/** An SSH server on loopback that runs each exec request with `sh -c` (a stand-in for a node's sshd). */
export interface ExecServer {
  readonly port: number;
  /** Resets every open connection, like a node that vanished; the server keeps listening. */
  dropConnections(): void;
  /** Drops the connections and stops listening. */
  close(): Promise<void>;
}

/** Every shell the servers spawned (as group leaders), killed when this process exits. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

export async function startExecServer(options: ExecServerOptions): Promise<ExecServer> {
  const connections = new Set<Connection>();
  const server = new Server({ hostKeys: [options.hostKey] }, (conn) => {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => undefined); // a client vanishing mid-handshake is not the server's problem
    conn.on('authentication', (ctx) => {
      const key = options.allowedKey;
      const ok =
        ctx.method === 'publickey' &&
        ctx.username === options.user &&
        ctx.key.data.length === key.length &&
        timingSafeEqual(ctx.key.data, key) &&
        (!ctx.signature || verifySignature(ctx.key.data, ctx.blob, ctx.signature, ctx.hashAlgo));
      return ok ? ctx.accept() : ctx.reject(['publickey']);
    });
    conn.on('ready', () => {
      options.onLogin?.();
      conn.on('session', (accept) => {
        const session = accept();
        let child: ChildProcess | undefined;
        session.on('exec', (acceptExec, _reject, info) => {
          child = execute(acceptExec(), info.command, options.workDir);
        });
        session.on('signal', (acceptSignal, _reject, info) => {
          if (child) killGroup(child, `SIG${info.name}` as NodeJS.Signals);
          acceptSignal?.();
        });
        session.on('close', () => child && killGroup(child, 'SIGTERM'));
      });
    });
  });
  const dropConnections = (): void => {
    for (const conn of connections) {
      const socket = (conn as unknown as { _sock?: Socket })._sock; // ssh2 keeps no public handle on it
      if (socket) socket.resetAndDestroy();
      else conn.end();
    }
  };
  await once(server.listen(options.port, options.host ?? '127.0.0.1'), 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    dropConnections,
    close: () => {
      dropConnections();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function verifySignature(
  keyData: Buffer,
  blob: Buffer | undefined,
  signature: Buffer,
  hashAlgo: string | undefined,
): boolean {
  const key = utils.parseKey(keyData);
  return !(key instanceof Error) && blob !== undefined && key.verify(blob, signature, hashAlgo);
}

function execute(channel: ServerChannel, command: string, cwd: string): ChildProcess {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? cwd, USER: userInfo().username };
  // Its own process group, so a closed channel can take down everything the command started.
  const child = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  child.stdout?.pipe(channel, { end: false });
  child.stderr?.pipe(channel.stderr, { end: false });
  channel.pipe(child.stdin!).on('error', () => undefined);
  child.once('close', (code, signal) => {
    live.delete(child);
    if (code !== null) channel.exit(code);
    else channel.exit((signal ?? 'KILL').replace(/^SIG/, ''), false, '');
    channel.end();
  });
  child.once('error', (err) => {
    channel.stderr.write(`${err.message}\n`);
    channel.exit(127);
    channel.end();
  });
  return child;
}

/** Signals a child's whole process group; a child that already ended is left alone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
