import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const MAX_LINES = 250;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

describe('house rules', () => {
  it(`no file in src/ or machines/ is longer than ${MAX_LINES} lines`, () => {
    const long = [join(ROOT, 'src'), join(ROOT, 'machines')]
      .flatMap(sources)
      .map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').trimEnd().split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });
});

describe('actors start in one place', () => {
  it('no file in src/ but the mailbox starts a node actor (ensureStarted): views read nodes with peek', () => {
    const starting = sources(join(ROOT, 'src'))
      .map((file) => relative(ROOT, file))
      .filter((file) => file !== 'src/slice/node-mailbox.ts' && file !== 'src/slice/lazy-node.ts')
      .filter((file) => /\.ensureStarted\(/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(starting).toEqual([]);
  });
});
