import { ConfigError } from './config-error.js';

/**
 * One mistake an operator can make around the configuration: the key it lies in, when it happens,
 * and the fix. `{name}` in a fix is filled with the case's own path, address or file.
 * docs/troubleshooting.md lists every entry (a test holds the two together).
 */
export interface OperatorErrorEntry {
  key: string;
  when: string;
  fix: string;
  /** The exit status: 2 (a configuration or usage to change) unless said. */
  status?: 1 | 2;
}

/** On CloudLab, what makes root's key log in to the other nodes (docs/cloudlab.md). */
export const ROOT_KEYS_HINT =
  'on CloudLab, the profile must ask for root keys on every node: node.installRootKeys(True, True)';

/** Every operator error the CLI names by code, in the manner of fastify's lib/errors.js. */
export const OPERATOR_ERRORS = {
  DYNSLICE_CONFIG_MISSING: {
    key: '-c, --config',
    when: 'the configuration file does not exist',
    fix: 'write one with dynslice-agent init -c {file}, or copy examples/agent.yaml',
  },
  DYNSLICE_CONFIG_UNKNOWN_KEY: {
    key: 'the key named',
    when: 'a key the configuration does not have: a typo, or a key of another version',
    fix: 'use the key it suggests (did you mean …?), or remove it: docs/configuration.md lists every key',
  },
  DYNSLICE_SSH_KEY_MISSING: {
    key: 'ssh.privateKeyPath',
    when: 'the SSH key file does not exist: every drain would fail to log in',
    fix: `point ssh.privateKeyPath at your key; ${ROOT_KEYS_HINT}`,
  },
  DYNSLICE_SSH_KEY_UNREADABLE: {
    key: 'ssh.privateKeyPath',
    when: 'the user the agent runs as cannot read the key file',
    fix: 'give the file to that user: chown dynslice: {path} (the service runs as dynslice)',
  },
  DYNSLICE_SSH_KEY_INVALID: {
    key: 'ssh.privateKeyPath',
    when: 'the file is not a private key: a public key, or no key at all',
    fix: 'point ssh.privateKeyPath at the private half of the key (the file without .pub)',
  },
  DYNSLICE_SSH_KEY_ENCRYPTED: {
    key: 'ssh.privateKeyPath',
    when: 'the key has a passphrase: no one is there to type it when a drain starts',
    fix: 'use a key without one (ssh-keygen -p -N "" -f {path} removes it), or print it with ssh.privateKeyCommand',
  },
  DYNSLICE_SSH_KEY_OPEN: {
    key: 'ssh.privateKeyPath',
    when: 'the key file is readable by group or others, which OpenSSH refuses',
    fix: 'chmod 600 {path}',
  },
  DYNSLICE_SSH_KEY_COMMAND_FAILED: {
    key: 'ssh.privateKeyCommand',
    when: 'the command that prints the key failed, printed nothing, or printed no usable private key',
    fix: "run it yourself as the agent's user: it must exit 0 and print an unencrypted private key on stdout",
  },
  DYNSLICE_KNOWN_HOSTS_MISSING: {
    key: 'ssh.knownHostsPath',
    when: 'hostKeyChecking is yes and the known_hosts file does not exist: every node would be refused',
    fix: "record the nodes' keys (ssh-keyscan -p PORT HOST >> {path}) or set ssh.hostKeyChecking: accept-new",
  },
  DYNSLICE_MANIFEST_UNREADABLE: {
    key: 'nodes.manifest, init --manifest',
    when: 'the manifest cannot be read: geni-get is missing (not a CloudLab node) or fails, or the file is not there',
    fix:
      'on CloudLab, run it on a node of the experiment (geni-get answers there); elsewhere, save the manifest ' +
      '(geni-get manifest > manifest.xml on a node) and name the file (nodes.manifest: FILE, init --manifest ' +
      'FILE), or list the nodes under nodes:',
  },
  DYNSLICE_STATE_DIR_NOT_WRITABLE: {
    key: 'state.dir',
    when:
      'the state directory cannot be created or written by the user the agent runs as, or holds a lock, ' +
      'journal or snapshot file left by a start as another user',
    fix: 'give it to that user (chown -R dynslice: {path}) or choose another state.dir',
  },
  DYNSLICE_STATE_LOCKED: {
    key: 'state.dir',
    when: 'another agent runs with this state directory',
    fix: 'stop the other agent (systemctl stop dynslice-agent), or give this one a state.dir of its own',
    status: 1,
  },
  DYNSLICE_LISTEN_IN_USE: {
    key: 'endpoint.listen, status.listen',
    when: 'another program listens on the address',
    fix: 'choose another port, or stop the program listening there (ss -ltnp names it)',
  },
  DYNSLICE_LISTEN_PRIVILEGED: {
    key: 'endpoint.listen, status.listen',
    when: 'a port below 1024, and the user the agent runs as may not bind one',
    fix: 'use a port of 1024 or above, or give the service AmbientCapabilities=CAP_NET_BIND_SERVICE',
  },
  DYNSLICE_LISTEN_NOT_LOCAL: {
    key: 'endpoint.listen, status.listen',
    when: 'the address is not one of this machine',
    fix: "use one of this machine's addresses, or 0.0.0.0",
  },
  DYNSLICE_TOKEN_MISSING: {
    key: 'endpoint.tokenFile',
    when: 'the token file does not exist',
    fix: 'make one with dynslice-agent token --out {path}',
  },
  DYNSLICE_TLS_FILE_UNREADABLE: {
    key: 'endpoint.tls.cert, endpoint.tls.key, endpoint.tls.passphraseFile, endpoint.clientCa',
    when: 'a TLS file the endpoint needs does not exist or this user cannot read it',
    fix:
      'point the key at the file (init writes tls/agent.crt and tls/agent.key in the state directory), ' +
      "or give it to the agent's user: chown dynslice: {path}",
  },
  DYNSLICE_TLS_INVALID: {
    key: 'endpoint.tls.cert, endpoint.tls.key, endpoint.tls.passphraseFile, endpoint.clientCa',
    when: 'a TLS file is not PEM, the key is encrypted without a passphrase file, or the passphrase is wrong',
    fix:
      'use PEM files (-----BEGIN CERTIFICATE-----, -----BEGIN PRIVATE KEY-----); for an encrypted key, ' +
      'set endpoint.tls.passphraseFile to a file holding its passphrase',
  },
  DYNSLICE_TLS_MISMATCH: {
    key: 'endpoint.tls.key',
    when: 'the private key is not the one the certificate was made for',
    fix:
      'use the key the certificate was made with: openssl x509 -noout -pubkey -in CERT and ' +
      'openssl pkey -pubout -in KEY print the same key when they match',
  },
  DYNSLICE_PLUGIN_NOT_LOADED: {
    key: 'plugins[N]',
    when: 'a plugin file cannot be imported: missing, or it fails as it loads',
    fix: 'check the path (relative to the configuration file) and run the file alone: npx tsx {path}',
  },
  DYNSLICE_PLUGIN_NOT_A_MODULE: {
    key: 'plugins[N]',
    when: 'a TypeScript plugin was loaded as CommonJS (a .ts file with no "type": "module" above it)',
    fix: 'make it an ES module: name it .mts, or put a package.json with {"type": "module"} beside it',
  },
} as const satisfies Record<string, OperatorErrorEntry>;

export type OperatorErrorCode = keyof typeof OPERATOR_ERRORS;

/** Where the catalogue is explained, for the line under each message. */
export const TROUBLESHOOTING_DOC = 'docs/troubleshooting.md';

/**
 * An operator's mistake: a ConfigError (exit 2 unless the entry says) whose message is
 * `SUBJECT: DETAIL`, then the fix and the code. `subject` is the key, or the file the detail is
 * about; `key`, the dotted key when it is not the subject.
 */
export class OperatorError extends ConfigError {
  readonly status: 1 | 2;
  constructor(
    readonly operatorCode: OperatorErrorCode,
    subject: string,
    detail: string,
    vars: Record<string, string> = {},
    key: string = subject,
  ) {
    const entry: OperatorErrorEntry = OPERATOR_ERRORS[operatorCode];
    const fix = entry.fix.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
    super(`${subject}: ${detail}\n  fix: ${fix}\n  (${operatorCode}, ${TROUBLESHOOTING_DOC})`, key);
    this.status = entry.status ?? 2;
    this.name = 'OperatorError';
  }
}
