import { Command } from 'commander';
import type { ManifestNodeList } from '../node-list/manifest-nodes.js';
import { alignColumns } from '../observe/text-table.js';
import { loadConfigOrExit } from './load-config-or-exit.js';
import { readNodeListOrExit } from './node-list-or-exit.js';

/** What the short reasons of `exclude` mean; a site's reason is shown as it is. */
const EXCLUDED_BECAUSE = new Map([
  ['self', 'this machine (exclude: self)'],
  ['exclude', 'listed in exclude'],
]);

/**
 * Which site's nodes are listed, when the manifest holds nodes of another: how it was known, or
 * that none was (a configured site that holds none of the nodes shows here too).
 */
function siteLine({ site }: ManifestNodeList): string[] {
  if (site === undefined || site.sites.every((one) => one === site.site)) return [];
  const all = site.sites.join(', ');
  return site.site === null
    ? [`site unknown: the manifest lists ${all}; set nodes.site`]
    : [`site ${site.site} (from ${site.from}); the manifest lists ${all}`];
}

/** The node list as a table: node, client id, host, port, user, source; then the site and what was left out. */
export function nodeListTable(list: ManifestNodeList): string {
  const rows = [['NODE', 'CLIENT', 'HOST', 'PORT', 'USER', 'SOURCE']];
  for (const node of list.nodes)
    rows.push([node.nodeId, node.clientId ?? '-', node.host, String(node.port), node.user, node.source]);
  const notes = [
    ...siteLine(list),
    ...list.excluded.map(
      (node) =>
        `excluded ${node.nodeId}${node.clientId ? ` (${node.clientId})` : ''}: ${EXCLUDED_BECAUSE.get(node.why) ?? node.why}`,
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
