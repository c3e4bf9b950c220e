import type { Logger } from 'pino';
import type { ClusterClient, Policy } from './cluster-client.js';
import { ClusterError } from './cluster-error.js';

export interface RegistrationRequest {
  sliceUrn: string;
  credentials: string[];
  /** The URL the cluster will call. */
  endpointUrl: string;
  /** Default: the server's policy. */
  policy?: Policy;
  /** Default: the server's maxwaittime. */
  defwaittime?: number;
}

export interface Registered {
  endpointUrl: string;
  policy: Policy;
  defwaittime: number;
  maxwaittime: number;
}

/** The URL without its path: the path may hold the endpoint's secret token. */
export const shownEndpoint = (url: string): string => new URL(url).origin;

/** GetServerDefaults, then SetSliceClientEndpoint with a defwaittime the server accepts. */
export async function registerEndpoint(
  client: ClusterClient,
  request: RegistrationRequest,
  logger: Logger,
): Promise<Registered> {
  const defaults = await client.getServerDefaults();
  const defwaittime = request.defwaittime ?? defaults.maxwaittime;
  if (defwaittime > defaults.maxwaittime) {
    throw new ClusterError(
      'DEFWAITTIME_ABOVE_MAX',
      `cluster.defwaittime ${defwaittime} s is above the cluster's maxwaittime ${defaults.maxwaittime} s: set ` +
        `it to at most ${defaults.maxwaittime}`,
      { method: 'SetSliceClientEndpoint' },
    );
  }
  const policy = request.policy ?? defaults.policy;
  await client.setSliceClientEndpoint({
    sliceUrn: request.sliceUrn,
    url: request.endpointUrl,
    credentials: request.credentials,
    policy,
    defwaittime,
  });
  logger.info(
    {
      sliceUrn: request.sliceUrn,
      endpoint: shownEndpoint(request.endpointUrl),
      policy,
      defwaittime,
      maxwaittime: defaults.maxwaittime,
    },
    'slice client endpoint registered',
  );
  return { endpointUrl: request.endpointUrl, policy, defwaittime, maxwaittime: defaults.maxwaittime };
}

export async function unregisterEndpoint(
  client: ClusterClient,
  request: Pick<RegistrationRequest, 'sliceUrn' | 'credentials'>,
  logger: Logger,
): Promise<void> {
  await client.removeSliceClientEndpoint(request);
  logger.info({ sliceUrn: request.sliceUrn }, 'slice client endpoint removed');
}
