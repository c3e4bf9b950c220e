import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { BIN } from '../helpers/agent-process.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { NODES, startObservedAgent } from '../observe/observed-agent.js';

interface Element {
  name: string;
  attributes: Record<string, string>;
  parent: Element | null;
  children: Element[];
  text: string;
}

/** The SVG as a tree, read by an XML parser that rejects anything not well-formed. */
function parseXml(text: string): Element {
  const root: Element = { name: '#root', attributes: {}, parent: null, children: [], text: '' };
  let current = root;
  const parser = new SaxesParser();
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('opentag', (tag) => {
    const element: Element = {
      name: tag.name,
      attributes: tag.attributes as Record<string, string>,
      parent: current,
      children: [],
      text: '',
    };
    current.children.push(element);
    current = element;
  });
  parser.on('text', (t) => (current.text += t));
  parser.on('closetag', () => (current = current.parent!));
  parser.write(text).close();
  return root.children[0]!;
}

const all = (element: Element, match: (e: Element) => boolean): Element[] => [
  ...(match(element) ? [element] : []),
  ...element.children.flatMap((c) => all(c, match)),
];
const classes = (e: Element) => (e.attributes.class ?? '').split(' ');

describe('history --format svg', () => {
  it('draws the journal as the timeline chart: a row per revoked node, its deadline marker, the held node first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynslice-history-svg-'));
    const store = await Store.open({ dir: join(dir, 'state'), logger: captureLogger().logger });
    const observed = await startObservedAgent({}, undefined, store);
    // pc102's verify never passes: it is held until its deadline.
    observed.runner.when((c) => c.target.nodeId === 'pc102' && c.command.startsWith('!'), {
      code: 1,
      stderr: 'my-job still running',
    });
    await observed.countdown(300, NODES.slice(0, 2));
    await expect.poll(() => observed.agent.slice.get('pc102')?.snapshot?.value, { timeout: 10_000 }).toBe('held');
    await expect
      .poll(async () => (await observed.countdown(290, NODES.slice(0, 1))).map((n) => n.max_wait_time))
      .toEqual([0]);
    await observed.stop();
    await store.close();
    await writeFile(join(dir, 'agent.yaml'), 'state: { dir: ./state }\n');

    const run = spawnSync(process.execPath, [BIN, 'history', '-c', join(dir, 'agent.yaml'), '--format', 'svg'], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const svg = parseXml(run.stdout);
    expect(svg.name).toBe('svg');
    const rows = all(svg, (e) => e.name === 'g' && classes(e).includes('row'));
    expect(rows.map((r) => r.attributes['data-node-id'])).toEqual(['pc102', 'pc101']);
    expect(classes(rows[0]!)).toContain('at-risk');
    expect(rows[0]!.attributes['data-state']).toBe('held');
    const markers = (row: Element, kind: string) =>
      all(row, (e) => e.name === 'line' && classes(e).includes('marker') && classes(e).includes(kind));
    expect(markers(rows[0]!, 'deadline')).toHaveLength(1);
    expect(markers(rows[1]!, 'deadline')).toHaveLength(1);
    expect(markers(rows[1]!, 'released')).toHaveLength(1);
    // pc102's run and both failed verifies are one bar, whose title lists them.
    const heldBars = all(rows[0]!, (e) => e.name === 'rect' && classes(e).includes('step-bar'));
    expect(heldBars).toHaveLength(1);
    expect(heldBars[0]!.children[0]!.text).toMatch(/stop-jobs \(graceful\), 3 commands/);
  });
});
