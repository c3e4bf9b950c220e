import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can (a missing browser fails under DYNSLICE_REQUIRE_BROWSER=1). */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH) || process.env.DYNSLICE_REQUIRE_BROWSER === '1') return null;
  return `${CHROMIUM_PATH} not found: browser tests skipped (apt-get install -y chromium; DYNSLICE_REQUIRE_BROWSER=1 makes this a failure)`;
}

export interface HeadlessChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a fresh profile and no traffic of its own to the network. */
export async function launchChromium(): Promise<HeadlessChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'dynslice-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
