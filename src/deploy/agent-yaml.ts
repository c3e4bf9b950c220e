import { drainSection, type Workload } from './workload-plan.js';

/** What `init` puts into agent.yaml; every path absolute. */
export interface AgentYamlInput {
  /** `{ command }` (geni-get manifest) or a manifest file. */
  manifest: string | { command: string };
  publicHost: string;
  port: number;
  stateDir: string;
  tokenFile: string;
  certFile: string;
  keyFile: string;
  ssh: { user: string; privateKeyPath?: string; privateKeyCommand?: string; knownHostsPath: string };
  cluster: {
    bossHost: string | null;
    url?: string;
    sliceUrn: string | null;
    credentialPem?: string;
    passphraseFile?: string;
    credentialPath?: string;
  };
  /** What runs on the workers: the drain plan written for it (default: jobs, a plan to fill in). */
  workload?: Workload;
  /** Shown in the header: what wrote the file. */
  writtenBy: string;
}

/** A YAML scalar: JSON's string syntax is YAML's double-quoted style. */
const q = (text: string): string => JSON.stringify(text);

/** `key: value`, or the line commented out with a placeholder when there is no value. */
const optional = (key: string, value: string | null | undefined, placeholder: string, note: string): string =>
  value === null || value === undefined ? `  # ${key}: ${placeholder}   ${note}` : `  ${key}: ${q(value)}   ${note}`;

/**
 * agent.yaml as `init` writes it: what the node needs to serve the cluster over HTTPS with a token,
 * its nodes from the manifest, a drain plan to fill in (held nodes are the safe default), and the
 * cluster section for `register`. Comments say what to edit; examples/agent.yaml lists every key.
 */
export function agentYaml(input: AgentYamlInput): string {
  const { ssh, cluster } = input;
  const manifest = typeof input.manifest === 'string' ? q(input.manifest) : `{ command: ${q(input.manifest.command)} }`;
  const key =
    ssh.privateKeyCommand !== undefined
      ? `  privateKeyCommand: ${q(ssh.privateKeyCommand)}`
      : `  privateKeyPath: ${q(ssh.privateKeyPath ?? '~/.ssh/id_ed25519')}`;
  return `# dynslice-agent configuration, ${input.writtenBy}.
# Check it:     dynslice-agent check -c THIS_FILE --ssh
# Register it:  dynslice-agent register -c THIS_FILE
# Every key with its default and meaning: examples/agent.yaml in the installed package.

endpoint:
  # The cluster calls https://${input.publicHost}:${input.port}/dynslice/<token>: this node's public name.
  # Behind NAT or a proxy, listen on 0.0.0.0:${input.port} and set cluster.endpointUrl instead.
  listen: ${q(`${input.publicHost}:${input.port}`)}
  path: /dynslice
  # A self-signed certificate for ${input.publicHost}, made by init (replace it with one a CA signed if you have one).
  tls: { cert: ${q(input.certFile)}, key: ${q(input.keyFile)} }
  # The endpoint answers only at <path>/<token>; the token is the first line of this file.
  tokenFile: ${q(input.tokenFile)}

ssh:
  # The login on every node unless the manifest's <login> for this user says otherwise.
  user: ${q(ssh.user)}
${key}
  # Nodes of a fresh experiment are unknown: their host keys are recorded on first contact,
  # and a key that changes later is refused.
  knownHostsPath: ${q(ssh.knownHostsPath)}
  hostKeyChecking: accept-new

# The slice's nodes, read from its manifest at start, on SIGHUP and every reloadSeconds; this
# machine is left out. See them with:  dynslice-agent nodes -c THIS_FILE
nodes:
  manifest: ${manifest}
  exclude: [self]
  reloadSeconds: 300

${drainSection(input.workload ?? 'jobs', input.publicHost)}
state:
  # Journal, lock, token and certificate. Upgrades keep it; the agent resumes from it.
  dir: ${q(input.stateDir)}

log:
  level: info

cluster:
  # true: \`run\` registers the endpoint each time it starts (else: dynslice-agent register -c THIS_FILE).
  register: false
${optional('bossHost', cluster.bossHost, 'boss.utah.cloudlab.us', "# from the manifest's component_manager_id")}
${optional('url', cluster.url, 'https://boss.utah.cloudlab.us:12369/protogeni/xmlrpc/dynslice', "# default: the server the credential's certificate names, else from bossHost")}
${optional('sliceUrn', cluster.sliceUrn, 'urn:publicid:IDN+utah.cloudlab.us:myproj+slice+myexp', '# geni-get slice_urn prints it')}
${optional('credentialPem', cluster.credentialPem, '/root/cloudlab.pem', '# the credential file the portal gives (certificate and key)')}
${optional('passphraseFile', cluster.passphraseFile, '/root/cloudlab.passphrase', '# its passphrase; without it, register asks on a terminal')}
${optional('credentialPath', cluster.credentialPath, '/root/slice.credential', '# the slice credential (signed XML)')}
`;
}
