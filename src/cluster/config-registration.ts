import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { parseListenAddress } from '../config/listen-address.js';
import { ConfigError } from '../config/load-config.js';
import type { AgentConfig } from '../config/schema.js';
import { readEndpointSecrets } from '../endpoint/endpoint-secrets.js';
import { registeredUrl } from '../endpoint/registered-url.js';
import { type ClusterClient, createClusterClient } from './cluster-client.js';
import {
  type ClusterSecrets,
  type ClusterSettings,
  clusterSettings,
  credentialServerOf,
  readClusterSecrets,
  type SecretOptions,
} from './cluster-settings.js';
import { type Registered, registerEndpoint, unregisterEndpoint } from './registration.js';

/**
 * The URL the cluster should call: `cluster.endpointUrl`, else the running agent's URL, else the
 * one the configured endpoint would serve (scheme, address, path and token).
 */
export async function endpointUrlFor(config: AgentConfig, agentUrl?: string): Promise<string> {
  if (config.cluster.endpointUrl !== undefined) return config.cluster.endpointUrl;
  if (agentUrl !== undefined) return agentUrl;
  const { host, port } = parseListenAddress(config.endpoint.listen);
  if (port === 0)
    throw new ConfigError('cluster.endpointUrl: required, endpoint.listen has port 0', 'cluster.endpointUrl');
  const { token } = await readEndpointSecrets(config.endpoint);
  return registeredUrl(config.endpoint, { host, port }, { token });
}

export interface ConfiguredCluster {
  settings: ClusterSettings;
  secrets: ClusterSecrets;
  client: ClusterClient;
}

/** The cluster client the configuration describes; `configFile` anchors its relative paths. */
export async function configuredCluster(
  config: AgentConfig,
  configFile: string,
  logger: Logger,
  secretOptions?: SecretOptions,
): Promise<ConfiguredCluster> {
  const configDir = dirname(resolve(configFile));
  const settings = clusterSettings(config.cluster, configDir, await credentialServerOf(config.cluster, configDir));
  const secrets = await readClusterSecrets(settings, secretOptions);
  const client = createClusterClient({
    url: settings.url,
    tls: secrets.tls,
    timeoutMs: settings.timeoutMs,
    retries: settings.retries,
    retryDelayMs: settings.retryDelayMs,
    logger,
  });
  return { settings, secrets, client };
}

export async function registerFromConfig(
  config: AgentConfig,
  configFile: string,
  logger: Logger,
  agentUrl?: string,
  secretOptions?: SecretOptions,
): Promise<Registered> {
  const { settings, secrets, client } = await configuredCluster(config, configFile, logger, secretOptions);
  const endpointUrl = await endpointUrlFor(config, agentUrl);
  return registerEndpoint(
    client,
    {
      sliceUrn: settings.sliceUrn,
      credentials: secrets.credentials,
      endpointUrl,
      policy: settings.policy,
      defwaittime: settings.defwaittime,
    },
    logger,
  );
}

export async function unregisterFromConfig(
  config: AgentConfig,
  configFile: string,
  logger: Logger,
  secretOptions?: SecretOptions,
): Promise<void> {
  const { settings, secrets, client } = await configuredCluster(config, configFile, logger, secretOptions);
  await unregisterEndpoint(client, { sliceUrn: settings.sliceUrn, credentials: secrets.credentials }, logger);
}

/**
 * `run` with `cluster.register: true`: registers once the endpoint listens. Resolves with what a
 * clean stop must do (unregister, with `cluster.unregisterOnStop`), or null.
 */
export async function registerOnStart(
  config: AgentConfig,
  configFile: string,
  logger: Logger,
  agentUrl: string,
): Promise<(() => Promise<void>) | null> {
  if (!config.cluster.register) return null;
  await registerFromConfig(config, configFile, logger, agentUrl);
  if (!config.cluster.unregisterOnStop) return null;
  return () =>
    unregisterFromConfig(config, configFile, logger).catch((error: unknown) => {
      logger.warn(
        { code: (error as { code?: string }).code, reason: (error as Error).message },
        'slice client endpoint not removed',
      );
    });
}
