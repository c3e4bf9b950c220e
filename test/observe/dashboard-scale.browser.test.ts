import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, type HeadlessChromium, launchChromium } from '../helpers/browser.js';
import { type ObservedAgent, startObservedAgent } from './observed-agent.js';

const COUNT = 1000;
const NODES = Array.from({ length: COUNT }, (_, i) => ({
  node_id: `n${String(i).padStart(4, '0')}`,
  client_id: `c${i}`,
  host: `h${i}.example.test`,
}));

describe.skipIf(browserSkipReason() !== null)('the dashboard with a thousand nodes', () => {
  let observed: ObservedAgent;
  let chromium: HeadlessChromium;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    observed = await startObservedAgent({ nodes: NODES });
    // Every tenth node's verify never passes: a hundred held nodes, at risk.
    observed.runner.when((c) => c.command.startsWith('!') && Number(c.target.nodeId.slice(1)) % 10 === 0, { code: 1 });
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  });

  afterAll(async () => {
    await chromium?.close();
    await observed?.stop();
  });

  it('draws a screenful of chart rows, held nodes first, and counts the rest in one line', async () => {
    await page.goto(observed.status.dashboardUrl);
    await page.locator('#connection[data-status="live"]').waitFor({ timeout: 15_000 });
    await observed.countdown(600, NODES);
    await expect
      .poll(() => page.locator('#state-counts li[data-state="held"]').getAttribute('data-count'), { timeout: 60_000 })
      .toBe('100');
    await expect
      .poll(() => page.locator('#state-counts li[data-state="drained"]').getAttribute('data-count'), {
        timeout: 60_000,
      })
      .toBe('900');
    expect(await page.locator('#timeline g.row').count()).toBe(40);
    expect(await page.locator('#timeline g.row.at-risk').count()).toBe(40);
    expect(await page.locator('#timeline text.more').textContent()).toBe('960 more nodes, 60 at risk');
    // The table too: its most at-risk hundred rows, the rest on request.
    expect(await page.locator('#nodes tbody tr').count()).toBe(100);
    expect(await page.locator('#nodes tbody tr.at-risk').count()).toBe(100);
    expect(await page.locator('#more-rows span').textContent()).toBe(
      '900 more nodes, less at risk (or pick a state in the diagram).',
    );
    // How long one redraw of every panel takes, for the record (the page redraws once a second).
    const ms = (await page.evaluate(`new Promise((resolve) => {
      const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) durations.push(e.duration); });
      const durations = [];
      observer.observe({ type: 'longtask' });
      setTimeout(() => { observer.disconnect(); resolve(durations); }, 3000);
    })`)) as number[];
    console.info(
      `dashboard, ${COUNT} nodes: ${ms.length} long tasks in 3 s, longest ${Math.round(Math.max(0, ...ms))} ms`,
    );
    await page.locator('#more-rows button').click();
    await expect.poll(() => page.locator('#nodes tbody tr').count()).toBe(COUNT);
    expect(problems).toEqual([]);
  });
});
