import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliExit } from '../../src/cli/exit-codes.js';
import { buildProgram } from '../../src/cli/program.js';
import { visualizeCommand } from '../../src/cli/visualize-command.js';
import { renderDiagram } from '../../src/observe/diagram/machines.js';
import { blockStart, readDiagramBlock } from '../../src/observe/diagram/readme-block.js';

const README = join(import.meta.dirname, '../../README.md');

async function visualize(args: string[]): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await visualizeCommand(out)
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .parseAsync(args, { from: 'user' });
  return text;
}

describe('visualize', () => {
  it('the README embeds the current node machine diagram (regenerate: dynslice-agent visualize --machine node --format mermaid --write README.md)', async () => {
    const readme = await readFile(README, 'utf8');
    expect(readDiagramBlock(readme, 'node', 'mermaid')).toBe(renderDiagram('node', 'mermaid'));
  });

  it('prints the node machine as Mermaid by default, and the other machines and formats on request', async () => {
    expect(await visualize([])).toBe(renderDiagram('node', 'mermaid'));
    expect(await visualize(['--machine', 'drain', '--format', 'dot'])).toBe(renderDiagram('drain', 'dot'));
    expect(JSON.parse(await visualize(['--format', 'json'])).id).toBe('node');
  });

  it('refuses an unknown machine or format as a usage error', async () => {
    await expect(visualize(['--machine', 'toaster'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(visualize(['--format', 'png'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });

  it('--write replaces only the generated block of a document', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-visualize-'));
    try {
      const file = join(dir, 'doc.md');
      await writeFile(
        file,
        `# Doc\n\nbefore\n\n${blockStart('drain', 'mermaid')}\n\`\`\`mermaid\nstale\n\`\`\`\n<!-- end generated -->\n\nafter\n`,
      );
      await visualize(['--machine', 'drain', '--write', file]);
      const text = await readFile(file, 'utf8');
      expect(readDiagramBlock(text, 'drain', 'mermaid')).toBe(renderDiagram('drain', 'mermaid'));
      expect(text.startsWith('# Doc\n\nbefore\n\n')).toBe(true);
      expect(text.endsWith('<!-- end generated -->\n\nafter\n')).toBe(true);
      await writeFile(file, '# no block\n');
      await expect(visualize(['--write', file])).rejects.toBeInstanceOf(CliExit);
      await expect(visualize(['--write', file])).rejects.toMatchObject({ status: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is a command of the CLI, as is status', () => {
    const names = buildProgram({ onStarted: () => {} }).commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['visualize', 'status']));
  });
});
