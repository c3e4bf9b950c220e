import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, type LogLine, startAgentProcess } from '../helpers/agent-process.js';
import { type ManifestXmlNode, manifestXml } from '../helpers/manifest-xml.js';
import { type SshTestNode, type SshTestNodes, startSshNodes } from '../helpers/sshd.js';
import { callWithPython } from '../helpers/xmlrpc-python.js';

interface Entry {
  node_id: string;
  client_id: string;
  max_wait_time: number;
}

describe('the agent learns its nodes from a manifest, and follows it as it changes', () => {
  let ssh: SshTestNodes;
  let agent: AgentProcess;
  let scratch: string;
  let manifest: string;
  // The machine the agent runs on, as the manifest lists it: left out by `exclude: [self]`.
  const self: ManifestXmlNode = {
    clientId: 'agent',
    nodeId: 'pc900',
    host: '127.0.0.1',
    port: 1,
    user: 'nobody',
    hostName: hostname(),
  };
  const asManifest = (nodes: SshTestNode[]) => manifestXml([self, ...nodes.map((n) => ({ ...n }))]);

  async function countdown(nodes: SshTestNode[], maxWaitTime: number): Promise<Entry[]> {
    const nodelist = nodes.map((n) => ({ node_id: n.nodeId, client_id: n.clientId, max_wait_time: maxWaitTime }));
    const [outcome] = await callWithPython(agent.url, [{ method: 'NotifyDeletePending', params: [{ nodelist }] }]);
    if (outcome?.fault) throw new Error(JSON.stringify(outcome.fault));
    const reply = outcome!.result as { code: number; value: Entry[] };
    expect(reply.code).toBe(0);
    return reply.value;
  }

  /** Countdown calls a second apart (bounded) until the node is released; the replies before it. */
  async function untilReleased(node: SshTestNode): Promise<Entry[][]> {
    const replies: Entry[][] = [];
    for (let i = 0; i < 30; i += 1) {
      const reply = await countdown([node], 200 - i);
      replies.push(reply);
      if (reply[0]!.max_wait_time === 0) return replies;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    throw new Error(`${node.nodeId} was not released: ${JSON.stringify(replies.at(-1))}`);
  }

  const nodeListRead = (reason: string) => (l: LogLine) => l.msg === 'node list read' && l.reason === reason;

  beforeAll(async () => {
    ssh = await startSshNodes(3);
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-manifest-e2e-'));
    manifest = join(scratch, 'manifest.xml');
    await writeFile(manifest, asManifest([ssh.nodes[0]!, ssh.nodes[1]!]));
    agent = await startAgentProcess(scratch, {
      endpoint: { listen: '127.0.0.1:0', path: '/dynslice' },
      ssh: {
        user: ssh.nodes[0]!.user,
        privateKeyPath: ssh.privateKeyPath,
        knownHostsPath: ssh.knownHostsPath,
        hostKeyChecking: 'yes',
      },
      nodes: { manifest: 'manifest.xml', exclude: ['self'], reloadSeconds: 0 },
      unknownNodes: 'release',
      drain: {
        steps: [
          {
            name: 'checkpoint',
            run: `echo "$DYNSLICE_NODE_ID $DYNSLICE_CLIENT_ID" >> ${scratch}/ran-$DYNSLICE_NODE_ID.log`,
            verify: `test -s ${scratch}/ran-$DYNSLICE_NODE_ID.log`,
            timeoutSeconds: 20,
          },
        ],
        bestEffortSeconds: 2,
        onFailure: 'hold',
      },
      state: { dir: join(scratch, 'state') },
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await ssh?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("starts with the manifest's nodes, leaving out the machine it runs on", async () => {
    const read = await agent.waitFor(nodeListRead('start'), 1);
    expect(read).toMatchObject({ nodes: 2, added: ['pc001', 'pc002'], source: join(scratch, 'manifest.xml') });
    const excluded = await agent.waitFor((l) => l.msg === 'manifest nodes excluded', 1);
    expect(excluded.excluded).toEqual([{ nodeId: 'pc900', clientId: 'agent', why: 'self' }]);
  });

  it('drains a node learned from the manifest on its sshd and releases it in a countdown reply', async () => {
    const [n0] = ssh.nodes;
    const replies = await untilReleased(n0!);
    // Kept while it drained: the max_wait_time it came with.
    expect(replies[0]).toEqual([{ node_id: n0!.nodeId, client_id: n0!.clientId, max_wait_time: 200 }]);
    expect(await readFile(join(scratch, `ran-${n0!.nodeId}.log`), 'utf8')).toBe(`${n0!.nodeId} ${n0!.clientId}\n`);
  });

  it('re-reads the manifest on SIGHUP: a new node is added, an idle one that left is taken out', async () => {
    const [n0, n1, n2] = ssh.nodes;
    await writeFile(manifest, asManifest([n0!, n2!]));
    agent.child.kill('SIGHUP');
    const read = await agent.waitFor(nodeListRead('signal'), 15_000);
    expect(read).toMatchObject({ nodes: 2, added: [n2!.nodeId], removed: [n1!.nodeId], moved: [] });
    await untilReleased(n2!);
    expect(await readFile(join(scratch, `ran-${n2!.nodeId}.log`), 'utf8')).toBe(`${n2!.nodeId} ${n2!.clientId}\n`);
  });

  it('a countdown naming a node it does not know is answered kept while the manifest is re-read, then drained', async () => {
    const [n0, n1, n2] = ssh.nodes;
    await writeFile(manifest, asManifest([n0!, n1!, n2!]));
    const replies = await untilReleased(n1!);
    expect(replies[0]).toEqual([{ node_id: n1!.nodeId, client_id: n1!.clientId, max_wait_time: 200 }]);
    await agent.waitFor((l) => l.msg === 'call names nodes the agent does not know: re-reading the node list', 1);
    expect(await agent.waitFor(nodeListRead('unknown-node'), 1)).toMatchObject({ added: [n1!.nodeId] });
    expect(await readFile(join(scratch, `ran-${n1!.nodeId}.log`), 'utf8')).toBe(`${n1!.nodeId} ${n1!.clientId}\n`);
  });

  it('a manifest that cannot be parsed at runtime is a warning naming the line; the node list stays', async () => {
    await writeFile(
      manifest,
      '<?xml version="1.0"?>\n<rspec xmlns="http://www.geni.net/resources/rspec/3">\n<node>\n</rspec>\n',
    );
    agent.child.kill('SIGHUP');
    const warning = await agent.waitFor(
      (l) => l.msg === 'node list re-read failed: the node list is unchanged',
      15_000,
    );
    expect(String(warning.err)).toContain(`${manifest}:4: not well-formed XML`);
    // The nodes it had still answer: released ones stay released.
    expect((await countdown([ssh.nodes[0]!], 30))[0]!.max_wait_time).toBe(0);
  });

  it('stops cleanly, having logged no error', async () => {
    expect(await agent.stop()).toBe(0);
    expect(agent.lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
