import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CLOUDLAB_DOC = join(import.meta.dirname, '../../docs/cloudlab.md');

/** The commands of a Markdown file's first shell block, continuation lines joined. */
export async function firstShellBlock(file = CLOUDLAB_DOC): Promise<string[]> {
  const block = /```sh\n([\s\S]*?)```/.exec(await readFile(file, 'utf8'))?.[1] ?? '';
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** The `--allow-scripts=…` list of the doc's `npm install -g` line. */
export async function documentedAllowScripts(): Promise<string> {
  const line = (await firstShellBlock()).find((command) => command.startsWith('npm install -g '));
  const list = /--allow-scripts=(\S+)/.exec(line ?? '')?.[1];
  if (list === undefined) throw new Error(`${CLOUDLAB_DOC}: no npm install -g line with --allow-scripts`);
  return list;
}
