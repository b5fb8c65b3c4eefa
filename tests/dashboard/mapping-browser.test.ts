/**
 * The mapping page as a person uses it, in headless Chromium, on an Acumatica ⇄ BILL link: reach it
 * from the navigation, find the suggestions preselected, choose a department for a subaccount that
 * had no candidate, save, and see the map saved in the link's settings; the page fits a phone.
 * A screenshot is taken (docs/screenshots with MLC_UPDATE_SCREENSHOTS=1).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { browserUnavailable, launchBrowser, screenshotDir, type Browser } from './browser.ts';
import { openAcumaticaDashboard, type AcumaticaDashboard } from './acumatica-fixture.ts';

const unavailable = browserUnavailable();

if (unavailable && process.env.CI === 'true') {
  test('chromium is available', () => assert.fail(`${unavailable}; under CI=true the browser test must run`));
} else if (unavailable) {
  test('mapping page in headless Chromium', { skip: unavailable }, () => undefined);
} else {
  describe('mapping page in headless Chromium', () => {
    let fx: AcumaticaDashboard;
    let browser: Browser;
    let page: Page;
    const shots = screenshotDir();

    before(async () => {
      fx = await openAcumaticaDashboard(7);
      browser = await launchBrowser();
      page = await browser.context.newPage();
      page.setDefaultTimeout(30_000);
    });
    after(async () => {
      await browser?.close();
      await fx?.close();
      if (!shots.keep) rmSync(shots.dir, { recursive: true, force: true });
    });

    test('the suggestions are preselected, a choice is added, and Save writes the map', async () => {
      await page.goto(`${fx.url}/login`);
      await page.getByLabel('API token').fill(fx.apiToken);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Mapping' }).click();
      await page.getByRole('heading', { level: 1, name: 'Mapping' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Acumatica subaccount → BILL department' }).waitFor();
      assert.equal(await page.getByLabel('BILL department for 300010 Operations - Headquarters').inputValue(), 'Operations');
      const defaultHq = page.getByLabel('BILL department for 000010 Default - Headquarters');
      assert.equal(await defaultHq.inputValue(), '', 'no candidate: nothing preselected');
      await defaultHq.selectOption('Marketing');
      assert.deepEqual(await fx.storedMap(), {}, 'choosing is not saving');
      await page.screenshot({ path: join(shots.dir, 'mapping.png'), fullPage: true });

      await page.getByRole('button', { name: 'Save mapping' }).click();
      await page.getByRole('status').filter({ hasText: 'The mapping is saved' }).waitFor();
      const map = await fx.storedMap();
      assert.deepEqual([map['000010'], map['300010'], map['000000']], ['Marketing', 'Operations', undefined], 'what the page showed is saved; "Not mapped" stays out');
      assert.equal(Object.keys(map).length, 10, 'the 9 suggestions and the one choice');
    });

    test('the page fits a phone', async () => {
      await page.setViewportSize({ width: 375, height: 800 });
      try {
        await page.goto(`${fx.url}/mapping`);
        const width = await page.evaluate('document.documentElement.scrollWidth');
        assert.ok(Number(width) <= 375, `/mapping is ${width}px wide on a 375px screen`);
      } finally {
        await page.setViewportSize({ width: 1280, height: 860 });
      }
    });
  });
}
