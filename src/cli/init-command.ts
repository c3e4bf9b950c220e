import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type InitRequest, type InitResult, initAgent } from '../deploy/init-setup.js';
import { CertificateError } from '../deploy/self-signed-certificate.js';
import { WORKLOADS, type Workload } from '../deploy/workload-plan.js';
import { ManifestError } from '../node-list/manifest-rspec.js';
import { thisMachine } from '../node-list/node-list-source.js';
import { CliExit, EXIT } from './exit-codes.js';
import { manifestExit } from './node-list-or-exit.js';
import { ask, onTerminal } from './terminal-prompt.js';

interface InitOptions {
  config: string;
  manifest?: string;
  host?: string;
  port: number;
  stateDir: string;
  sshUser: string;
  sshKey?: string;
  sshKeyCommand?: string;
  knownHosts?: string;
  credential?: string;
  passphraseFile?: string;
  sliceCredential?: string;
  sliceUrn?: string;
  clusterUrl?: string;
  force?: boolean;
  workload?: Workload;
}

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a TCP port (1-65535)');
  return n;
};

/** Paths on the command line are relative to the working directory; the file gets them absolute. */
const abs = (path: string | undefined): string | undefined => (path === undefined ? undefined : resolve(path));

function request(options: InitOptions): InitRequest {
  const stateDir = resolve(options.stateDir);
  return {
    configFile: resolve(options.config),
    manifest: options.manifest === undefined ? { command: 'geni-get manifest' } : resolve(options.manifest),
    host: options.host,
    port: options.port,
    stateDir,
    ssh: {
      user: options.sshUser,
      privateKeyPath: abs(options.sshKey),
      privateKeyCommand: options.sshKeyCommand,
      knownHostsPath: abs(options.knownHosts) ?? resolve(stateDir, 'known_hosts'),
    },
    cluster: {
      url: options.clusterUrl,
      sliceUrn: options.sliceUrn,
      credentialPem: abs(options.credential),
      passphraseFile: abs(options.passphraseFile),
      credentialPath: abs(options.sliceCredential),
    },
    force: options.force === true,
    workload: options.workload ?? 'jobs',
    self: thisMachine,
    // Questions only when a person is there; scripts pass flags.
    askHost:
      onTerminal() && options.host === undefined
        ? (offered) => ask('Public host name of this node: ', { default: offered ?? undefined })
        : undefined,
  };
}

const summary = (r: InitResult): string =>
  `wrote ${r.configFile}\n` +
  `  endpoint     ${r.shownUrl}\n` +
  `  token        ${r.tokenFile}${r.made.token ? ' (new)' : ' (kept)'}\n` +
  `  certificate  ${r.certFile} for ${r.publicHost}${r.made.certificate ? ' (new, self-signed)' : ' (kept)'}\n` +
  `  cluster      ` +
  `${r.clusterServer ? `${r.clusterServer} (named by the credential)` : (r.bossHost ?? '(boss host unknown: set cluster.bossHost)')}${r.sliceUrn ? `, ${r.sliceUrn}` : ' (set cluster.sliceUrn)'}\n\n` +
  `The URL to register: ${r.shownUrl}  ([token] is the first line of ${r.tokenFile})\n` +
  `Next: fill in drain: in ${r.configFile}, then\n` +
  `  dynslice-agent check -c ${r.configFile} --ssh && dynslice-agent register -c ${r.configFile}\n`;

/** `init`: a complete agent.yaml for the node it runs on, its token and a certificate. */
export function initCommand(): Command {
  return new Command('init')
    .description(
      'write agent.yaml for this node: nodes from the manifest, an HTTPS endpoint with a token and a ' +
        'self-signed certificate, a drain plan to fill in, the cluster section',
    )
    .option('-c, --config <file>', 'the configuration to write', 'agent.yaml')
    .option('--manifest <file>', 'read the manifest from this file (default: the output of `geni-get manifest`)')
    .option('--host <name>', "this node's public host name (default: the manifest's <host name> of this node)")
    .option('--port <port>', 'the port the endpoint listens on', port, 8001)
    .option('--state-dir <dir>', 'state directory: journal, token and certificate', './state')
    .option('--ssh-user <user>', 'login on the nodes', 'root')
    .option('--ssh-key <file>', 'private key for the nodes (default: ~/.ssh/id_ed25519)')
    .option('--ssh-key-command <command>', 'a command that prints the private key, instead of --ssh-key')
    .option('--known-hosts <file>', "the nodes' host keys, recorded on first contact (default: STATE_DIR/known_hosts)")
    .option('--credential <file>', 'the credential file the portal gives (cloudlab.pem), for register')
    .option('--passphrase-file <file>', "file holding the credential key's passphrase")
    .option('--slice-credential <file>', 'the slice credential (signed XML), for register')
    .option('--slice-urn <urn>', 'the slice (default: what `geni-get slice_urn` prints)')
    .option(
      '--cluster-url <url>',
      "the cluster's API, when it is not https://<boss host>:12369/protogeni/xmlrpc/dynslice",
    )
    .addOption(
      new Option('--workload <kind>', 'what runs on the workers: the drain plan written for it')
        .choices([...WORKLOADS])
        .default('jobs'),
    )
    .option('--force', 'replace an existing configuration file')
    .action(async (options: InitOptions) => {
      if (options.sshKey !== undefined && options.sshKeyCommand !== undefined)
        throw new CliExit(EXIT.config, '--ssh-key and --ssh-key-command: give one, not both');
      try {
        process.stdout.write(summary(await initAgent(request(options))));
      } catch (error) {
        if (error instanceof ManifestError) throw manifestExit('manifest', error);
        if (error instanceof CertificateError) throw new CliExit(EXIT.failure, error.message);
        const { code, path } = error as NodeJS.ErrnoException;
        if (typeof code === 'string' && path !== undefined)
          throw new CliExit(EXIT.failure, `cannot write ${path}: ${code}`);
        throw error;
      }
    });
}
