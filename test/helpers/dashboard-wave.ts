import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type ObservedAgent, STOP_JOBS, startObservedAgent } from '../observe/observed-agent.js';

/** Eight nodes; six are revoked, two stay in the slice. */
export const WAVE_NODES = Array.from({ length: 8 }, (_, i) => ({
  node_id: `pc${101 + i}`,
  client_id: `node${i + 1}`,
  host: `node${i + 1}.example.test`,
}));

const KILL_JOBS = {
  action: 'command',
  name: 'kill-jobs',
  run: 'pkill -9 -f my-job; true',
  verify: '! pgrep -f my-job -9',
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface DashboardWave {
  observed: ObservedAgent;
  /** Lets the drains waiting in their run (pc101, pc106) finish. */
  finishRuns(): void;
}

/**
 * A revocation wave as an operator would watch it: pc102's verifies never pass (graceful, then
 * force: held, at risk), pc101 and pc106 are mid-drain until finishRuns(), pc103 and pc105 drain in
 * a second or two, pc104's first verify fails and its second passes; pc107 and pc108 are not revoked.
 */
export async function startDashboardWave(token?: string): Promise<DashboardWave> {
  const observed = await startObservedAgent(
    { nodes: WAVE_NODES, drain: { steps: [STOP_JOBS], force: [KILL_JOBS], bestEffortSeconds: 1, reserveSeconds: 5 } },
    token,
  );
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { runner } = observed;
  const on = (nodeId: string, prefix: string) => (c: { target: { nodeId: string }; command: string }) =>
    c.target.nodeId === nodeId && c.command.startsWith(prefix);
  const after = (wait: Promise<unknown>) => async () => {
    await wait;
    return { code: 0 };
  };
  runner.when(on('pc101', 'pkill -f'), after(gate));
  runner.when(on('pc106', 'pkill -f'), after(gate));
  runner.when(on('pc102', '!'), { code: 1, stderr: 'my-job still running' });
  runner.when(on('pc103', 'pkill'), () => after(sleep(1200))());
  runner.when(on('pc105', 'pkill'), () => after(sleep(2000))());
  runner.whenOnce(on('pc104', '!'), { code: 1, stderr: 'my-job still running' });
  await observed.countdown(120, WAVE_NODES.slice(0, 3));
  await observed.countdown(90, WAVE_NODES.slice(3, 6));
  return { observed, finishRuns: () => release() };
}

/** Writes a full-page screenshot of the dashboard as `<dir>/<name>.png`. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}
