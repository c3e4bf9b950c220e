import { access, chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig } from '../config/load-config.js';
import { runLocalCommand } from '../config/local-command.js';
import { registeredUrl } from '../endpoint/registered-url.js';
import { readTokenFile, writeNewTokenFile } from '../endpoint/token-file.js';
import { HOSTNAME } from '../node-list/host-template.js';
import type { SelfIdentity } from '../node-list/manifest-nodes.js';
import { parseManifest } from '../node-list/manifest-rspec.js';
import { readManifestText } from '../node-list/node-list-source.js';
import { type AgentYamlInput, agentYaml } from './agent-yaml.js';
import { checkPortalCredential } from './credential-check.js';
import { manifestSite } from './manifest-site.js';
import { certificateFits, makeSelfSignedCertificate } from './self-signed-certificate.js';
import type { Workload } from './workload-plan.js';

/** What `init` was asked; every path absolute. */
export interface InitRequest {
  configFile: string;
  manifest: string | { command: string };
  /** The public host name; default: the manifest's `<host name>` of this machine. */
  host?: string;
  port: number;
  stateDir: string;
  ssh: AgentYamlInput['ssh'];
  cluster: {
    url?: string;
    sliceUrn?: string;
    credentialPem?: string;
    passphraseFile?: string;
    credentialPath?: string;
  };
  force: boolean;
  /** What runs on the workers: the drain plan written for it. */
  workload?: Workload;
  /** This machine, to find it in the manifest (default: its hostname and `geni-get client_id`). */
  self: () => Promise<SelfIdentity>;
  /** On a terminal: asks for the host name, offering the manifest's. */
  askHost?: (offered: string | null) => Promise<string>;
}

export interface InitResult {
  configFile: string;
  publicHost: string;
  /** The URL to register, the token shown as `[token]`. */
  shownUrl: string;
  tokenFile: string;
  certFile: string;
  /** What init made anew (an existing token or a certificate that fits is kept). */
  made: { token: boolean; certificate: boolean };
  bossHost: string | null;
  /** The cluster's server as the credential's certificate names it (used before bossHost); null: none named. */
  clusterServer: string | null;
  sliceUrn: string | null;
}

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

const usage = (key: string, message: string): ConfigError => new ConfigError(`${key}: ${message}`, key);

/** `geni-get slice_urn` where CloudLab's geni-get exists; null elsewhere. */
async function sliceUrnHere(): Promise<string | null> {
  const result = await runLocalCommand('geni-get slice_urn', { timeoutMs: 10_000, maxBytes: 4096 });
  const urn = result.ok ? result.stdout.trim() : '';
  return urn.startsWith('urn:publicid:IDN+') ? urn : null;
}

/** Writes agent.yaml, a token and a certificate; throws ConfigError (exit 2) or ManifestError naming the file. */
export async function initAgent(request: InitRequest): Promise<InitResult> {
  const { configFile, stateDir } = request;
  if (!request.force && (await exists(configFile)))
    throw usage(configFile, 'exists: init does not overwrite it (--force replaces it)');
  const { credentialPem, passphraseFile, credentialPath } = request.cluster;
  for (const [key, file] of [
    ['cluster.credentialPem', credentialPem],
    ['cluster.passphraseFile', passphraseFile],
    ['cluster.credentialPath', credentialPath],
  ] as const) {
    if (file !== undefined && !(await exists(file))) throw usage(key, `${file}: no such file`);
  }
  const named = credentialPem === undefined ? null : await checkPortalCredential(credentialPem, passphraseFile);
  const label =
    typeof request.manifest === 'string' ? request.manifest : `command ${JSON.stringify(request.manifest.command)}`;
  const site = manifestSite(
    parseManifest(await readManifestText(request.manifest, label), label),
    await request.self(),
    label,
  );
  const publicHost = request.host ?? (request.askHost ? await request.askHost(site.publicHost) : site.publicHost);
  if (!publicHost) throw usage('--host', `no node of ${label} is this machine: pass its public host name with --host`);
  if (!HOSTNAME.test(publicHost) && isIP(publicHost) === 0)
    throw usage('--host', `${JSON.stringify(publicHost)} is not a host name or address`);

  const tokenFile = join(stateDir, 'endpoint.token');
  const certFile = join(stateDir, 'tls', 'agent.crt');
  const keyFile = join(stateDir, 'tls', 'agent.key');
  const sliceUrn = request.cluster.sliceUrn ?? (await sliceUrnHere());
  const text = agentYaml({
    manifest: request.manifest,
    publicHost,
    port: request.port,
    stateDir,
    tokenFile,
    certFile,
    keyFile,
    ssh: request.ssh,
    cluster: { ...request.cluster, bossHost: site.bossHost, sliceUrn },
    ...(request.workload ? { workload: request.workload } : {}),
    writtenBy: `written by \`dynslice-agent init\` for ${publicHost}`,
  }).replaceAll('THIS_FILE', configFile);
  // What is written must load as the agent will load it; checked before anything is written.
  const config = parseConfig(parseYaml(text), configFile, dirname(configFile));

  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  let token = await readTokenFile(tokenFile);
  const made = { token: token === null, certificate: !(await certificateFits(certFile, publicHost)) };
  if (token === null) {
    if (await exists(tokenFile)) await rename(tokenFile, `${tokenFile}.invalid`);
    token = await writeNewTokenFile(tokenFile);
  }
  if (made.certificate) await makeSelfSignedCertificate(publicHost, certFile, keyFile);
  await mkdir(dirname(configFile), { recursive: true });
  await writeFile(`${configFile}.part`, text, { mode: 0o644 });
  await chmod(`${configFile}.part`, 0o644);
  await rename(`${configFile}.part`, configFile);
  const shownUrl = registeredUrl(config.endpoint, { host: publicHost, port: request.port }, { token, redact: true });
  const clusterServer = named && `${named.host}:${named.port}`;
  return {
    configFile,
    publicHost,
    shownUrl,
    tokenFile,
    certFile,
    made,
    bossHost: site.bossHost,
    clusterServer,
    sliceUrn,
  };
}
