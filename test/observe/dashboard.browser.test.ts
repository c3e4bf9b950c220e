import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, type HeadlessChromium, launchChromium } from '../helpers/browser.js';
import { HANG } from '../helpers/fake-ssh-runner.js';
import { NODES, type ObservedAgent, startObservedAgent } from './observed-agent.js';

const SCREENSHOT = join(import.meta.dirname, '../../test-artifacts/dashboard.png');
const skipReason = browserSkipReason();
if (skipReason) console.warn(`NOTICE: ${skipReason}`);

describe.skipIf(skipReason !== null)('the dashboard in headless Chromium', () => {
  const token = 'dashboard-token-0123456789abcdef';
  let observed: ObservedAgent;
  let chromium: HeadlessChromium;
  let page: Page;
  let letRunFinish: () => void = () => {};
  const problems: string[] = [];
  const attributes = async (selector: string, name: string) =>
    Promise.all((await page.locator(selector).all()).map((element) => element.getAttribute(name)));
  const rowState = (nodeId: string) => page.locator(`#nodes tr[data-node-id="${nodeId}"]`).getAttribute('data-state');

  beforeAll(async () => {
    observed = await startObservedAgent({}, token);
    // pc101's run finishes only when the test says so; pc102's verify never passes.
    const gate = new Promise<void>((resolve) => (letRunFinish = resolve));
    observed.runner.when((c) => c.target.nodeId === 'pc101' && c.command.startsWith('pkill'), async () => {
      await gate;
      return { code: 0 };
    });
    observed.runner.when((c) => c.target.nodeId === 'pc102' && c.command.startsWith('!'), { code: 1, stderr: 'my-job still running' });
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(observed.status.url)) problems.push(`request outside the agent: ${request.url()}`);
    });
  });

  afterAll(async () => {
    letRunFinish();
    await chromium?.close();
    await observed?.stop();
  });

  it('loads, lists the nodes and draws the node machine from the agent’s own files', async () => {
    await page.goto(observed.status.dashboardUrl);
    await page.locator('#connection[data-status="live"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('#nodes tbody tr').count()).toBe(NODES.length);
    expect(await page.locator('#nodes tbody tr td.node').allTextContents()).toEqual(NODES.map((n) => n.node_id));
    expect(await page.locator('#nodes tbody tr td.host').allTextContents()).toEqual(NODES.map((n) => n.host));
    await page.locator('#diagram svg').waitFor({ timeout: 15_000 });
    const diagram = (await observed.api<{ states: { path: string }[] }>('/api/diagram')).body;
    expect(await attributes('#state-counts li', 'data-state')).toEqual(diagram.states.map((s) => s.path));
    expect(await page.locator('#state-counts li[data-state="allocated"]').getAttribute('data-count')).toBe('3');
    expect(await page.locator('#diagram svg g.count-badge').count()).toBeGreaterThan(0);
  });

  it('changes a node’s row live when a countdown call arrives, without reloading', async () => {
    await page.evaluate('window.loadedOnce = true');
    await observed.countdown(300, NODES.slice(0, 2));
    await expect.poll(() => rowState('pc101'), { timeout: 10_000 }).toMatch(/^draining/);
    await expect.poll(() => rowState('pc102'), { timeout: 10_000 }).toBe('held');
    expect(await page.locator('tr[data-node-id="pc101"] td.step').textContent()).toBe('stop-jobs · run · running');
    expect(await page.locator('tr[data-node-id="pc102"] td.failure').textContent()).toMatch(/verify did not pass/);
    expect(await page.locator('tr[data-node-id="pc101"] td.countdown').textContent()).toMatch(/^[45] min \d+ s left$/);

    letRunFinish();
    await expect.poll(() => rowState('pc101'), { timeout: 10_000 }).toBe('drained');
    expect(await page.locator('tr[data-node-id="pc101"] td.released').textContent()).not.toBe('—');
    expect(await page.locator('#state-counts li[data-state="drained"]').getAttribute('data-count')).toBe('1');
    const chips = await attributes('.timeline[data-node-id="pc101"] .chip', 'data-kind');
    expect(chips).toEqual(expect.arrayContaining(['drain-started', 'step', 'drained', 'released']));
    expect(await page.evaluate('window.loadedOnce')).toBe(true);

    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems).toEqual([]);
  });
});
