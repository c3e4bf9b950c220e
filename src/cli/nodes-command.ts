import { Command } from 'commander';
import type { ManifestNodeList } from '../cluster/manifest-nodes.js';
import { alignColumns } from '../observe/text-table.js';
import { loadConfigOrExit } from './load-config-or-exit.js';
import { readNodeListOrExit } from './node-list-or-exit.js';

/** The node list as a table: node, client id, host, port, user, source; then what was left out. */
export function nodeListTable(list: ManifestNodeList): string {
  const rows = [['NODE', 'CLIENT', 'HOST', 'PORT', 'USER', 'SOURCE']];
  for (const node of list.nodes)
    rows.push([node.nodeId, node.clientId ?? '-', node.host, String(node.port), node.user, node.source]);
  const notes = [
    ...list.excluded.map(
      (node) =>
        `excluded ${node.nodeId}${node.clientId ? ` (${node.clientId})` : ''}: ` +
        `${node.why === 'self' ? 'this machine (exclude: self)' : 'listed in exclude'}`,
    ),
    ...list.skipped.map((node) => `skipped ${node.clientId ?? '(no client_id)'} at line ${node.line}: ${node.why}`),
  ];
  return `${alignColumns(rows).join('\n')}\n\n${list.nodes.length} nodes\n${notes.map((line) => `${line}\n`).join('')}`;
}

/** `nodes -c FILE`: the slice's nodes as the agent resolves them (the manifest read once). */
export function nodesCommand(): Command {
  return new Command('nodes')
    .description('print the node list the agent would manage: from the configuration or its manifest RSpec')
    .requiredOption('-c, --config <file>', 'agent configuration (YAML)')
    .action(async (options: { config: string }) => {
      const config = await loadConfigOrExit(options.config);
      const { list } = await readNodeListOrExit(config);
      process.stdout.write(nodeListTable(list));
    });
}
