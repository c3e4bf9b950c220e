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

/** The `--allow-scripts=…` list of the doc's `npm install -g` command. */
export async function documentedAllowScripts(): Promise<string> {
  const list = /`npm install -g [^`]*--allow-scripts=([^\s`]+)/.exec(await readFile(CLOUDLAB_DOC, 'utf8'))?.[1];
  if (list === undefined) throw new Error(`${CLOUDLAB_DOC}: no npm install -g command with --allow-scripts`);
  return list;
}
