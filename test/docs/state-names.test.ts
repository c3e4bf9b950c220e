import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_STATE_NAMES } from '../../machines/node.states.js';
import { statesTagged } from '../../machines/node.tags.js';
import { nodeStateNames } from '../../src/observe/node-states.js';

const ROOT = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

/** The code of a file without its comments (block comments, and line comments after a space or at a line's start). */
const codeOf = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');

/** Every name a state is read by: each state name, and the top-level ones topState() gives. */
const NAMES = [...new Set([...NODE_STATE_NAMES, ...NODE_STATE_NAMES.map((name) => name.split('.')[0]!)])];
const NAME = `(?:${NAMES.join('|')})`;
const QUOTED = `(['"\`])${NAME}\\1`;
/**
 * The ways code decides on a state's name: `snapshot.matches(...)`, a comparison with a state name
 * (`to === 'deleted'`, `topState(x) !== 'draining'`), a `case 'held':`, a `startsWith('draining')`.
 * The words signals, webhook events and timeline entries share with states (`drained`, `forced`)
 * are compared through their own fields (`.type`, `.kind`, `.name`), which are not state names.
 */
const DECIDES = [
  new RegExp(`\\.matches\\(\\s*(?:\\{|${QUOTED.replace('\\1', '')})`),
  new RegExp(`(?<!\\.(?:type|kind|name)\\s*)[!=]==\\s*${QUOTED}`),
  new RegExp(`${QUOTED}\\s*[!=]==\\s*(?!\\w+\\.(?:type|kind|name)\\b)`),
  new RegExp(`\\bcase\\s+${QUOTED}\\s*:`),
  new RegExp(`\\.startsWith\\(\\s*${QUOTED.replace('\\1', '')}`),
];

describe('the chart answers every lifecycle question', () => {
  it('no code outside machines/ decides on a node state name: it asks a tag, a signal or can()', () => {
    const found = [join(ROOT, 'src'), join(ROOT, 'bench')].flatMap(sources).flatMap((file) =>
      codeOf(readFileSync(file, 'utf8'))
        .split('\n')
        .flatMap((line, i) =>
          DECIDES.some((pattern) => pattern.test(line)) ? [`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(found).toEqual([]);
  });

  it('the state-name union lists every state of the chart, in its order', () => {
    expect([...NODE_STATE_NAMES]).toEqual(nodeStateNames());
  });

  it('the rule above can fail: it finds a state name compared in code', () => {
    const line = codeOf("if (change.to === 'deleted') release(); // compared");
    expect(DECIDES.some((pattern) => pattern.test(line))).toBe(true);
    expect(DECIDES.some((pattern) => pattern.test("if (signal.type === 'drained') count();"))).toBe(false);
    expect(DECIDES.some((pattern) => pattern.test("snapshot.matches({ allocated: 'idle' })"))).toBe(true);
    expect(statesTagged('startsDrain')).toEqual(['allocated']);
  });
});
