import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPERATOR_ERRORS, type OperatorErrorEntry, TROUBLESHOOTING_DOC } from '../../src/config/operator-errors.js';

const DOC = join(import.meta.dirname, '../..', TROUBLESHOOTING_DOC);

/** The doc's catalogue: each `### CODE` section's `- name: value` lines. */
async function documented(): Promise<Map<string, Record<string, string>>> {
  const text = await readFile(DOC, 'utf8');
  const sections = new Map<string, Record<string, string>>();
  for (const [, code, body] of text.matchAll(/^### (\S+)\n([\s\S]*?)(?=^### |(?![\s\S]))/gm)) {
    const fields = Object.fromEntries([...body!.matchAll(/^- (\w+): (.*)$/gm)].map(([, name, value]) => [name, value]));
    sections.set(code!, fields as Record<string, string>);
  }
  return sections;
}

describe('docs/troubleshooting.md', () => {
  it('lists every operator error of the catalogue with its key, when, fix and exit status, and no other', async () => {
    const doc = await documented();
    expect([...doc.keys()]).toEqual(Object.keys(OPERATOR_ERRORS));
    for (const [code, entry] of Object.entries(OPERATOR_ERRORS) as Array<[string, OperatorErrorEntry]>) {
      expect({ code, ...doc.get(code) }).toEqual({
        code,
        key: `\`${entry.key}\``,
        when: entry.when,
        fix: entry.fix,
        exit: String(entry.status ?? 2),
      });
    }
  });
});
