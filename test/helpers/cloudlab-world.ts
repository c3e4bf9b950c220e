import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log/logger.js';
import { createServerApi, type ServerApi } from '../../src/sim/server-api.js';
import { writeCliOnPath } from './cli-process.js';
import { writeFakeGeniGet } from './fake-geni-get.js';
import { manifestXml } from './manifest-xml.js';
import { type SshTestNodes, startSshNodes } from './sshd.js';

export const SLICE = 'urn:publicid:IDN+utah.cloudlab.us:myproj+slice+myexp';
/** The node the agent runs on, as the manifest names it. */
export const HEAD_NAME = 'head.myexp.myproj.utah.cloudlab.us';

/**
 * What the CloudLab deploy tests stand on, as a node of an experiment sees it: a scratch directory,
 * real sshd nodes, the cluster (the simulator's server API on loopback), a manifest listing the head
 * node and the sshd nodes, and on PATH (`bin`) a `geni-get` that serves it and the agent's CLI.
 */
export interface CloudLabWorld {
  dir: string;
  bin: string;
  ssh: SshTestNodes;
  cluster: ServerApi;
  clusterUrl: string;
  /** The environment with `bin` first on PATH. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** `params`: what `geni-get param NAME` answers (the profile's parameters). */
export async function startCloudLabWorld(
  nodes: number,
  prefix: string,
  params: Record<string, string> = {},
): Promise<CloudLabWorld> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const ssh = await startSshNodes(nodes);
  const logger = createLogger({ level: 'silent' });
  const cluster = createServerApi({ maxwaittime: 600, policy: 'LIFO', sliceUrn: SLICE, logger });
  const clusterUrl = await cluster.listen(0, '127.0.0.1');
  const manifest = join(dir, 'manifest.xml');
  const head = { clientId: 'head', nodeId: 'pc900', host: HEAD_NAME, hostName: HEAD_NAME };
  await writeFile(manifest, manifestXml([head, ...ssh.nodes.map((node) => ({ ...node }))]));
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFakeGeniGet(bin, { manifestFile: manifest, clientId: 'head', sliceUrn: SLICE, params });
  await writeCliOnPath(bin);
  return {
    dir,
    bin,
    ssh,
    cluster,
    clusterUrl,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    async stop() {
      await cluster.close();
      await ssh.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
