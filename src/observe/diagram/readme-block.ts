import type { DiagramFormat } from './machines.js';

export class DiagramBlockError extends Error {
  readonly code = 'DIAGRAM_BLOCK_MISSING';
  constructor(readonly marker: string) {
    super(`no generated-diagram block: add a line "${marker}" and a line "${END}" where it belongs`);
    this.name = 'DiagramBlockError';
  }
}

const END = '<!-- end generated -->';

/** The comment line that opens the block a document keeps current with `visualize --write`. */
export const blockStart = (machine: string, format: DiagramFormat): string =>
  `<!-- generated: dynslice-agent visualize --machine ${machine} --format ${format} -->`;

const fenced = (format: DiagramFormat, diagram: string): string => `\`\`\`${format}\n${diagram.trimEnd()}\n\`\`\``;

function locate(text: string, start: string): { from: number; to: number } | null {
  const open = text.indexOf(start);
  if (open === -1) return null;
  const close = text.indexOf(END, open);
  return close === -1 ? null : { from: open + start.length, to: close };
}

/** The diagram a document holds in its generated block (without the fence), or null when it has none. */
export function readDiagramBlock(text: string, machine: string, format: DiagramFormat): string | null {
  const span = locate(text, blockStart(machine, format));
  if (span === null) return null;
  const body = text.slice(span.from, span.to).trim();
  const fence = `\`\`\`${format}\n`;
  if (!body.startsWith(fence) || !body.endsWith('```')) return null;
  return `${body.slice(fence.length, -3).trimEnd()}\n`;
}

/** The document with its generated block replaced by `diagram`. */
export function writeDiagramBlock(text: string, machine: string, format: DiagramFormat, diagram: string): string {
  const start = blockStart(machine, format);
  const span = locate(text, start);
  if (span === null) throw new DiagramBlockError(start);
  return `${text.slice(0, span.from)}\n${fenced(format, diagram)}\n${text.slice(span.to)}`;
}
