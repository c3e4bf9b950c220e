import type { Logger } from 'pino';
import { type ClusterSimulator, createClusterSimulator } from '../../src/sim/cluster-simulator.js';
import type { ClusterPki } from '../helpers/test-pki.js';

/** The simulator's server side over HTTPS, asking for client certificates of the PKI's CA, as the cluster does. */
export async function startHttpsSimulator(
  pki: ClusterPki,
  logger: Logger,
): Promise<{ sim: ClusterSimulator; url: string }> {
  const sim = createClusterSimulator({
    nodes: [],
    logger,
    maxwaittime: 900,
    tls: { key: pki.read(pki.server.key), cert: pki.read(pki.server.cert), clientCa: pki.read(pki.caCert) },
  });
  return { sim, url: await sim.listen() };
}
