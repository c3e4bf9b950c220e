import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import { type DiagramFormat, renderDiagram } from '../../src/observe/diagram/machines.js';
import { readDiagramBlock } from '../../src/observe/diagram/readme-block.js';
import { CLOUDLAB_DOC, firstShellBlock } from '../helpers/doc-commands.js';

const ROOT = join(import.meta.dirname, '../..');
const DOCS = join(ROOT, 'docs');
const pages = [
  join(ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(DOCS, f)),
];

/** The text outside fenced code blocks. */
function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const headings = prose(readFileSync(file, 'utf8')).match(/^#{1,6} .+$/gm) ?? [];
  return new Set(headings.map((h) => slug(h.replace(/^#+ /, ''))));
}

describe('the documentation', () => {
  it('every relative link names a file that exists, and a heading in it', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, target] of prose(readFileSync(page, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path === '' ? page : resolve(dirname(page), path);
        const where = `${relative(ROOT, page)} → ${target}`;
        if (!existsSync(file)) broken.push(`${where}: no such file`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor))
          broken.push(`${where}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README is a front door: at most 250 lines, each docs page linked from it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    const unlinked = readdirSync(DOCS).filter((f) => f.endsWith('.md') && !readme.includes(`(docs/${f}`));
    expect(unlinked).toEqual([]);
  });

  it("the README's configuration loads as it is written", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /## Configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const config = parseConfig(parse(block!), 'README.md', ROOT);
    expect(config.drain.graceful.length).toBeGreaterThan(0);
    expect(config.nodes).toMatchObject({ manifest: { command: 'geni-get manifest' } });
  });

  it('every generated diagram in README.md and docs/ is the machine as it is now (regenerate: npm run docs:diagram)', () => {
    const blocks = pages.flatMap((page) => {
      const text = readFileSync(page, 'utf8');
      return [...text.matchAll(/<!-- generated: dynslice-agent visualize --machine (\S+) --format (\S+) -->/g)].map(
        ([, machine, format]) => ({
          page: relative(ROOT, page),
          machine: machine!,
          format: format as DiagramFormat,
          text,
        }),
      );
    });
    expect(blocks.length).toBeGreaterThan(0);
    const stale = blocks
      .filter((b) => readDiagramBlock(b.text, b.machine, b.format) !== renderDiagram(b.machine, b.format))
      .map((b) => `${b.page}: ${b.machine} ${b.format}`);
    expect(stale).toEqual([]);
  });

  it("the README's On CloudLab commands are docs/cloudlab.md's, which test/deploy/cloudlab-doc.test.ts runs", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### On CloudLab'));
    expect(section.length).toBeLessThan(readme.length);
    const fromReadme = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
    const fromDoc = /```sh\n([\s\S]*?)```/.exec(readFileSync(CLOUDLAB_DOC, 'utf8'))?.[1];
    expect(fromReadme).toBeDefined();
    expect(fromReadme).toBe(fromDoc);
    expect((await firstShellBlock()).length).toBeGreaterThan(5);
  });
});
