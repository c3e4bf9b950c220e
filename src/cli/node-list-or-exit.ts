import { OperatorError } from '../config/operator-errors.js';
import type { AgentConfig } from '../config/schema.js';
import type { ManifestNodeList } from '../node-list/manifest-nodes.js';
import { ManifestError } from '../node-list/manifest-rspec.js';
import { type NodeListSource, type NodeListSourceOptions, nodeListSource } from '../node-list/node-list-source.js';
import { CliExit, configExit, EXIT } from './exit-codes.js';

/** A manifest that cannot be used as an exit 2 naming `key`; one that could not be read, with its fix. */
export function manifestExit(key: string, error: ManifestError): CliExit {
  return error.unreadable
    ? configExit(new OperatorError('DYNSLICE_MANIFEST_UNREADABLE', key, error.message))
    : new CliExit(EXIT.config, `${key}: ${error.message}`);
}

/**
 * Reads the node list once (the manifest, when `nodes:` points to one); a manifest that cannot be
 * read or parsed ends the command with exit 2 and a message naming the file (or command) and line.
 */
export async function readNodeListOrExit(
  config: AgentConfig,
  options: NodeListSourceOptions = {},
): Promise<{ source: NodeListSource; list: ManifestNodeList }> {
  const source = nodeListSource(config, options);
  try {
    return { source, list: await source.read() };
  } catch (error) {
    if (error instanceof ManifestError) throw manifestExit('nodes.manifest', error);
    throw error;
  }
}
