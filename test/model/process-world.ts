import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StateChange } from '../../src/slice/node-actor.js';
import { type AgentProcess, startAgentProcess } from '../helpers/agent-process.js';
import type { SshTestNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';
import { INTERNAL_ERRORS } from './agent-world.js';
import type { CampaignWorld } from './campaign-world.js';
import type { DecodedReply, NodeView, WireEntry } from './invariants.js';

export const PROCESS_GRACE_SECONDS = 4;
export const MARK_STEP = 'remove-mark';
const MAX_WAIT_MS = 2_500;

/** What runs on a node: a job whose mark the drain removes, one that resists (a directory), or none. */
export type Job = 'running' | 'stuck' | 'ended';

interface StatusNode {
  nodeId: string;
  incarnation: number;
  stateName: string;
  released: boolean;
  forcedReason: NodeView['context']['forcedReason'];
  deadline: number | null;
  workLost: boolean;
  deletedAt: number | null;
}

/**
 * The built agent as a process (`bin/dynslice-agent.js run`), called over HTTP by Python's
 * xmlrpc.client, draining real sshd nodes on this machine; its nodes are read from the status API.
 * A node's job is a mark in the session's home that the drain removes and its verify checks.
 */
export class ProcessWorld implements CampaignWorld {
  readonly holdsCommands = false;
  readonly onFailure = 'hold' as const;
  private agent!: AgentProcess;
  private statusUrl = '';
  private readonly down = new Set<string>();
  /** A job being set up on a node given back; calls wait for it. */
  private settingUp: Promise<void> = Promise.resolve();
  private constructor(
    private readonly ssh: SshTestNodes,
    private readonly dir: string,
    private readonly config: Record<string, unknown>,
    readonly nodeIds: readonly string[],
  ) {}

  static async start(ssh: SshTestNodes, configured: ReadonlyArray<readonly [string, string]>): Promise<ProcessWorld> {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-model-process-'));
    const config = {
      endpoint: { listen: '127.0.0.1:0', path: '/dynslice' },
      status: { listen: '127.0.0.1:0' },
      ssh: {
        user: ssh.nodes[0]!.user,
        privateKeyPath: ssh.privateKeyPath,
        knownHostsPath: ssh.knownHostsPath,
        hostKeyChecking: 'yes',
      },
      nodes: configured.map(([node_id, client_id], i) => ({
        node_id,
        client_id,
        host: ssh.nodes[i]!.host,
        port: ssh.nodes[i]!.port,
      })),
      unknownNodes: 'release',
      deletedGraceSeconds: PROCESS_GRACE_SECONDS,
      drain: {
        graceful: [
          {
            name: MARK_STEP,
            action: 'command',
            run: 'rm -f "$HOME/job.mark"',
            verify: 'test ! -e "$HOME/job.mark"',
            verifyAttempts: 3,
            verifyIntervalSeconds: 0.5,
            timeoutSeconds: 10,
          },
        ],
        onFailure: 'hold',
        bestEffortSeconds: 2,
      },
      state: { dir: join(dir, 'state') },
    };
    const world = new ProcessWorld(
      ssh,
      dir,
      config,
      configured.map(([id]) => id),
    );
    for (const id of world.nodeIds) await world.setJob(id, 'running');
    await world.launch();
    return world;
  }

  now(): number {
    return Date.now();
  }

  /** Real time: waits are kept short, so a campaign of a few sequences fits in a minute or two. */
  async advance(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, Math.min(ms, MAX_WAIT_MS)));
  }

  async call(method: string, nodelist: readonly WireEntry[]): Promise<DecodedReply> {
    await this.settingUp;
    const [outcome] = await callWithPython(this.agent.url, [{ method, params: [{ nodelist }] }]);
    if (!outcome || outcome.fault) throw new Error(`${method}: fault ${JSON.stringify(outcome?.fault)}`);
    return outcome.result as DecodedReply;
  }

  async observe(): Promise<Map<string, NodeView | undefined>> {
    const response = await fetch(`${this.statusUrl}/api/nodes`, { signal: AbortSignal.timeout(10_000) });
    const { nodes } = (await response.json()) as { nodes: StatusNode[] };
    return new Map(
      nodes.map((n) => {
        const tagged = n.released && n.stateName !== 'deleted';
        const context = {
          released: tagged,
          forcedReason: n.forcedReason,
          deadline: n.deadline,
          workLost: n.workLost,
          deletedAt: n.deletedAt,
        };
        return [n.nodeId, { nodeId: n.nodeId, incarnation: n.incarnation, state: n.stateName, tagged, context }];
      }),
    );
  }

  takeChanges(): StateChange[] {
    return [];
  }

  /** The job's mark is gone: the verify (test ! -e) truly passes. */
  verified(nodeId: string): boolean {
    return !existsSync(this.markOf(nodeId));
  }

  /** A node given back comes with a job running again. */
  newIncarnation(nodeId: string): void {
    this.settingUp = this.settingUp.then(() => this.setJob(nodeId, 'running'));
  }

  async setJob(nodeId: string, job: Job): Promise<void> {
    const mark = this.markOf(nodeId);
    await rm(mark, { recursive: true, force: true });
    await mkdir(dirname(mark), { recursive: true });
    if (job === 'running') await writeFile(mark, 'job\n');
    // A directory with content: `rm -f` cannot remove it, so the verify keeps failing.
    if (job === 'stuck') await mkdir(mark).then(() => writeFile(join(mark, 'pid'), '4242\n'));
  }

  /** The node's sshd stops (connections refused, sessions cut) or starts again. */
  async setReachable(nodeId: string, reachable: boolean): Promise<void> {
    if (this.down.has(nodeId) !== reachable) return;
    const sshNode = this.ssh.nodes[this.nodeIds.indexOf(nodeId)]!;
    await (reachable ? this.ssh.startNode(sshNode.nodeId) : this.ssh.stopNode(sshNode.nodeId));
    if (reachable) this.down.delete(nodeId);
    else this.down.add(nodeId);
  }

  jobOf(nodeId: string): Job {
    return existsSync(this.markOf(nodeId)) ? 'running' : 'ended';
  }

  diskFailures(): number {
    return 0;
  }

  journalHealthy(): boolean {
    return true;
  }

  holdCommands(): void {}
  releaseCommands(): void {}

  async restart(kind: 'crash' | 'clean'): Promise<void> {
    if (kind === 'crash') await this.agent.kill();
    else await this.agent.stop();
    await this.launch();
  }

  internalError(): string | undefined {
    const line = this.agent.lines.find((l) => INTERNAL_ERRORS.has(l.msg));
    return line && JSON.stringify(line);
  }

  async close(): Promise<void> {
    await this.agent?.stop();
    for (const id of this.nodeIds) await this.setReachable(id, true);
    await rm(this.dir, { recursive: true, force: true });
  }

  private markOf(nodeId: string): string {
    const node = this.ssh.nodes[this.nodeIds.indexOf(nodeId)]!;
    return join(dirname(node.workDir), 'home', 'job.mark');
  }

  private async launch(): Promise<void> {
    this.agent = await startAgentProcess(this.dir, this.config);
    const line = await this.agent.waitFor((l) => l.msg === 'status server listening', 30_000);
    this.statusUrl = String(line.url).replace(/\/$/, '');
  }
}
