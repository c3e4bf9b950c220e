import type { ManifestNode } from './manifest-rspec.js';

/** What identifies the machine the agent runs on, to leave it out of the nodes it drains. */
export interface SelfIdentity {
  /** This machine's hostname, full and short (os.hostname()). */
  hostnames: string[];
  /** The client_id `geni-get client_id` printed, when that command exists here. */
  clientId: string | null;
}

const shortName = (host: string): string => host.split('.')[0] ?? host;

/** Whether a manifest node is the machine the agent runs on: its hostname, full or short, or its client_id. */
export function isSelf(node: ManifestNode, self: SelfIdentity): boolean {
  if (self.clientId !== null && node.clientId === self.clientId) return true;
  const names = [node.hostName, ...node.logins.map((login) => login.hostname)].filter(
    (name): name is string => name !== null,
  );
  return self.hostnames.some((mine) => {
    const lower = mine.toLowerCase();
    return names.some(
      (name) => name.toLowerCase() === lower || (!lower.includes('.') && shortName(name).toLowerCase() === lower),
    );
  });
}
