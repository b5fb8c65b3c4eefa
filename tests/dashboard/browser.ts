/**
 * Headless Chromium for the dashboard tests: Debian's chromium driven by playwright-core (no browser
 * download). A missing chromium skips the browser test with its reason, except under CI=true, where
 * it fails: CI installs chromium and must run the test.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const chromiumPath = process.env.MLC_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser test cannot run here, or null when it can (a failure under CI, see above). */
export function browserUnavailable(): string | null {
  if (existsSync(chromiumPath)) return null;
  return `chromium not found at ${chromiumPath} (install Debian's package: apt-get install -y chromium)`;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'mlc-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1280, height: 860 },
      colorScheme: 'light',
      reducedMotion: 'reduce',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Where screenshots go: docs/screenshots when MLC_UPDATE_SCREENSHOTS=1 (to refresh the ones the
 * README shows), else a temporary directory, so an ordinary test run leaves the tree unchanged.
 */
export function screenshotDir(): { dir: string; keep: boolean } {
  if (process.env.MLC_UPDATE_SCREENSHOTS === '1') {
    const dir = resolve('docs/screenshots');
    mkdirSync(dir, { recursive: true });
    return { dir, keep: true };
  }
  return { dir: mkdtempSync(join(tmpdir(), 'mlc-screens-')), keep: false };
}
