/** The paths a unit file names: this install's, or the example's. */
export interface ServiceUnitPaths {
  /** The node executable (absolute). */
  node: string;
  /** This install's bin/dynslice-agent.js (absolute). */
  bin: string;
  /** The configuration the service runs (absolute). */
  config: string;
  /** The dedicated account the agent runs as. */
  user: string;
}

/** The paths of the example unit: Node from the distribution's package, the agent installed with `npm install -g`. */
export const EXAMPLE_UNIT_PATHS: ServiceUnitPaths = {
  node: '/usr/bin/node',
  bin: '/usr/lib/node_modules/dynslice-agent/bin/dynslice-agent.js',
  config: '/etc/dynslice-agent/agent.yaml',
  user: 'dynslice',
};

/** Seconds systemd waits after SIGTERM: the agent stops drain commands on the nodes within 15 s, then closes. */
export const STOP_TIMEOUT_SECONDS = 45;

const quoted = (path: string): string => (/[\s"\\]/.test(path) ? JSON.stringify(path) : path);

/**
 * A systemd unit that keeps the agent running across crashes and reboots as its own user, with
 * its state in /var/lib/dynslice-agent and the rest of the system read-only to it.
 */
export function serviceUnit(paths: ServiceUnitPaths): string {
  return `# dynslice-agent as a systemd service: \`dynslice-agent service --print\` writes this file with the
# paths of the install it runs from. Install it as /etc/systemd/system/dynslice-agent.service, then
#   useradd --system --no-create-home --shell /usr/sbin/nologin ${paths.user}
#   systemctl daemon-reload && systemctl enable --now dynslice-agent
# The configuration should keep its state in /var/lib/dynslice-agent (state.dir), the only
# directory the service may write.

[Unit]
Description=dynslice-agent: drains CloudLab nodes before the cluster takes them back
After=network-online.target
Wants=network-online.target

[Service]
Type=exec
User=${paths.user}
Group=${paths.user}
ExecStart=${quoted(paths.node)} ${quoted(paths.bin)} run -c ${quoted(paths.config)}
# SIGHUP re-reads the node list (the manifest).
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5
# SIGTERM: the agent stops its commands on the nodes, keeps its journal and exits.
KillSignal=SIGTERM
KillMode=mixed
TimeoutStopSec=${STOP_TIMEOUT_SECONDS}
StateDirectory=dynslice-agent
StateDirectoryMode=0700
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes

[Install]
WantedBy=multi-user.target
`;
}
