import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, type HeadlessChromium, launchChromium } from '../helpers/browser.js';
import { type DashboardWave, screenshot, startDashboardWave, WAVE_NODES } from '../helpers/dashboard-wave.js';

// `npm run screenshots` points this at docs/images; a plain test run keeps them out of the tree.
const SCREENSHOTS = process.env.DYNSLICE_SCREENSHOT_DIR ?? join(import.meta.dirname, '../../test-artifacts');
const skipReason = browserSkipReason();
if (skipReason) console.warn(`NOTICE: ${skipReason}`);

describe.skipIf(skipReason !== null)('the dashboard in headless Chromium, during a revocation wave', () => {
  const token = 'dashboard-token-0123456789abcdef';
  let wave: DashboardWave;
  let chromium: HeadlessChromium;
  let page: Page;
  const problems: string[] = [];
  const attributes = async (selector: string, name: string) =>
    Promise.all((await page.locator(selector).all()).map((element) => element.getAttribute(name)));
  const rowState = (nodeId: string) => page.locator(`#nodes tr[data-node-id="${nodeId}"]`).getAttribute('data-state');
  const chartRows = () => attributes('#timeline g.row', 'data-node-id');

  beforeAll(async () => {
    wave = await startDashboardWave(token);
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(wave.observed.status.url))
        problems.push(`request outside the agent: ${request.url()}`);
    });
  });

  afterAll(async () => {
    wave?.finishRuns();
    await chromium?.close();
    await wave?.observed.stop();
  });

  it('puts the held node first in the timeline and the table, marked at risk, with its deadline marker', async () => {
    await page.goto(wave.observed.status.dashboardUrl);
    await page.locator('#connection[data-status="live"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('#nodes tbody tr').count()).toBe(WAVE_NODES.length);
    await expect.poll(() => rowState('pc102'), { timeout: 15_000 }).toBe('held');
    await expect.poll(() => rowState('pc103'), { timeout: 15_000 }).toBe('drained');

    await expect.poll(async () => (await chartRows())[0]).toBe('pc102');
    const held = page.locator('#timeline g.row[data-node-id="pc102"]');
    expect(await held.getAttribute('class')).toContain('at-risk');
    expect(await held.locator('line.marker.deadline').count()).toBe(1);
    // Its graceful and force attempts: one bar per step, each listing its commands.
    expect(await attributes('#timeline g.row[data-node-id="pc102"] rect.step-bar', 'class')).toEqual([
      'step-bar graceful',
      'step-bar force',
    ]);
    expect(await held.locator('rect.step-bar.graceful title').textContent()).toMatch(
      /^stop-jobs \(graceful\), 3 commands/,
    );
    // A bar is as long as its step took: pc103's 1.2 s of a 2-minute axis is a sliver, not the page's styles' width.
    const widths = `['#timeline svg', '#timeline g.row[data-node-id="pc103"] rect.step-bar'].map((s) => document.querySelector(s).getBoundingClientRect().width)`;
    const [chartWidth, barWidth] = (await page.evaluate(widths)) as number[];
    expect(barWidth).toBeLessThan(chartWidth! / 10);
    expect(await page.locator('#nodes tbody tr').first().getAttribute('data-node-id')).toBe('pc102');
    expect(await page.locator('#nodes tr[data-node-id="pc102"]').getAttribute('class')).toContain('at-risk');
    // Every revoked node has its deadline on its row; nodes not revoked have none.
    for (const node of WAVE_NODES.slice(0, 6))
      expect(await page.locator(`#timeline g.row[data-node-id="${node.node_id}"] line.deadline`).count()).toBe(1);
    expect(await page.locator('#timeline g.row[data-node-id="pc108"] line.deadline').count()).toBe(0);
    expect(await page.locator('#timeline line.now').count()).toBe(1);
    expect(await page.locator('#summary').textContent()).toMatch(
      /8 nodes · \d released \(\d early, \d+ node-seconds back\) · [1-9] at risk · 0 work lost/,
    );
    await page.locator('#diagram svg').waitFor({ timeout: 15_000 });
    expect(await page.locator('#diagram g[data-state-path="held"]').getAttribute('data-count')).toBe('1');
    expect(await page.locator('#diagram g[data-state-path="held"] g.count-badge text').textContent()).toBe('1');
    await screenshot(page, SCREENSHOTS, 'dashboard-mid-wave');
  });

  it('filters the table and the timeline to the held node when `held` is clicked in the diagram', async () => {
    // Zoomed in and panned, the diagram still answers clicks on its states.
    await page.locator('#diagram-controls [data-zoom="in"]').click();
    await page.locator('#diagram-controls [data-zoom="fit"]').click();
    await page.locator('#diagram g[data-state-path="held"]').click();
    await expect.poll(() => attributes('#nodes tbody tr', 'data-node-id')).toEqual(['pc102']);
    expect(await chartRows()).toEqual(['pc102']);
    expect(await page.locator('#filter').isVisible()).toBe(true);
    expect(await page.locator('#filter span').textContent()).toBe('showing held: 1 of 8 nodes');
    // The node's drain, step by step.
    await page.locator('#nodes tr[data-node-id="pc102"]').click();
    expect(await attributes('#ladder li', 'data-rung')).toEqual(['graceful', 'force']);
    await page.locator('#filter button').click();
    await expect.poll(() => page.locator('#nodes tbody tr').count()).toBe(WAVE_NODES.length);
    expect(await page.locator('#nodes tr.selected').getAttribute('data-node-id')).toBe('pc102');
  });

  it('shows the rest of the wave finish live, without reloading', async () => {
    await page.evaluate('window.loadedOnce = true');
    expect(await rowState('pc101')).toMatch(/^draining/);
    expect(await page.locator('tr[data-node-id="pc101"] td.step').textContent()).toBe('stop-jobs · run · running');
    wave.finishRuns();
    await expect.poll(() => rowState('pc101'), { timeout: 10_000 }).toBe('drained');
    await expect.poll(() => rowState('pc106'), { timeout: 10_000 }).toBe('drained');
    const row = page.locator('#timeline g.row[data-node-id="pc101"]');
    await expect.poll(() => row.locator('line.marker.released').count()).toBe(1);
    expect(await row.locator('line.marker.verified').count()).toBe(1);
    expect(await page.locator('#state-counts li[data-state="drained"]').getAttribute('data-count')).toBe('5');
    expect((await chartRows())[0]).toBe('pc102');
    expect(await page.evaluate('window.loadedOnce')).toBe(true);
    await screenshot(page, SCREENSHOTS, 'dashboard-after-wave');
    expect(problems).toEqual([]);
  });
});
