import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathWithout, pathWithStubs } from '../helpers/node-path.js';
import { startOpenSshNodes } from '../helpers/openssh-nodes.js';
import { realSlice } from '../helpers/real-slice.js';
import { realStep, SSH_TEST_TIMEOUT_MS } from '../helpers/real-step.js';
import type { SshTestNodes } from '../helpers/sshd.js';

// No Kubernetes API server runs on these machines (none is packaged for Debian or npm): kubectl is a
// stand-in (test/drain/node-stubs/kubectl) that answers with what kubectl v1.32.4 printed against an
// API server's answers. The commands reach it through a real sshd.
const pending = (nodeId: string, maxWaitTime: number) => [{ node_id: nodeId, max_wait_time: maxWaitTime }];
const pod = (node: string, name: string, owners = 'ReplicaSet', mirror = '', phase = 'Running') =>
  `${node}\t${name}\t${owners}\t${mirror}\t${phase}\n`;

describe('the kubernetes action: cordon, drain, and a verify that reads the pods left', {
  timeout: SSH_TEST_TIMEOUT_MS,
}, () => {
  let scratch: string;
  let state: string;
  let stubbed: SshTestNodes;
  let withoutKubectl: SshTestNodes;
  let step: ReturnType<typeof realStep>;
  let node: string;
  const k8s = { action: 'kubernetes', nodeName: '{node_id}' };

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dynslice-k8s-'));
    const stubs = pathWithStubs(join(scratch, 'bin'));
    state = stubs.state;
    stubbed = await startOpenSshNodes(1, { extraConfig: [`SetEnv PATH=${stubs.path}`] });
    withoutKubectl = await startOpenSshNodes(1, {
      extraConfig: [`SetEnv PATH=${pathWithout(['kubectl'], join(scratch, 'no-kubectl'))}`],
    });
    step = realStep(stubbed);
    node = stubbed.nodes[0]!.nodeId;
  });
  afterAll(async () => {
    await step?.close();
    await stubbed?.stop();
    await withoutKubectl?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  async function cluster(pods: string, nodes = `${node}\nother\n`): Promise<void> {
    await writeFile(join(state, 'k8s-nodes'), nodes);
    await writeFile(join(state, 'k8s-pods'), pods);
    await rm(join(state, 'k8s-calls'), { force: true });
  }

  it('fails while a workload pod runs on the node; DaemonSet, mirror and finished pods do not count', async () => {
    await cluster(
      pod(node, 'default/web-1') +
        pod(node, 'kube-system/kube-proxy-x', 'DaemonSet') +
        pod(node, 'kube-system/etcd-x', '', 'abc') +
        pod(node, 'default/job-1', 'Job', '', 'Succeeded') +
        pod('other', 'default/web-2'),
    );
    expect(await step.verify(k8s)).toEqual({
      passed: false,
      detail: 'still-running: pods on the node: 1 (default/web-1)',
    });
    await cluster(pod(node, 'kube-system/kube-proxy-x', 'DaemonSet') + pod('other', 'default/web-2'));
    expect(await step.verify(k8s)).toEqual({ passed: true });
  });

  it('drains through a real slice: cordon first, then drain; released once the pods are gone', async () => {
    await cluster(pod(node, 'default/web-1') + pod(node, 'kube-system/kube-proxy-x', 'DaemonSet'));
    for (const [pods, flags] of [
      ['evict', '--ignore-daemonsets --delete-emptydir-data --timeout=50s'],
      [
        'delete',
        '--ignore-daemonsets --delete-emptydir-data --timeout=50s --disable-eviction --force --grace-period=0',
      ],
    ] as const) {
      await cluster(pod(node, 'default/web-1') + pod(node, 'kube-system/kube-proxy-x', 'DaemonSet'));
      const s = realSlice(stubbed, { graceful: [{ ...k8s, pods, verifyAttempts: 2, verifyIntervalSeconds: 0 }] });
      try {
        await s.slice.notifyDeletePending(pending(node, 600));
        expect(await s.settled([node], 60_000)).toEqual({ [node]: 'drained' });
        const calls = (await readFile(join(state, 'k8s-calls'), 'utf8')).split('\n').filter(Boolean);
        expect(calls.slice(0, 2)).toEqual([`cordon ${node}`, `drain ${node} ${flags}`]);
      } finally {
        await s.stop();
      }
    }
  });

  it('fails for a node the API server does not know, when it cannot be reached, and without kubectl', async () => {
    await cluster('', 'other\n');
    expect(await step.verify(k8s)).toEqual({
      passed: false,
      detail: `unknown-node: Error from server (NotFound): nodes "${node}" not found`,
    });
    await writeFile(join(state, 'k8s-down'), '');
    expect(await step.verify(k8s)).toEqual({
      passed: false,
      detail:
        'controller-unreachable: The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?',
    });
    await rm(join(state, 'k8s-down'));
    const bare = realStep(withoutKubectl);
    try {
      expect(await bare.verify(k8s)).toEqual({
        passed: false,
        detail: 'tool-missing: kubectl not found on the node (sh: 1: kubectl: not found)',
      });
    } finally {
      await bare.close();
    }
  });
});
