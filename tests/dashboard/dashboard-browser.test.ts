/**
 * The dashboard as a person uses it, in headless Chromium: sign in (a wrong token first), press
 * Sync now, find a bill that failed because its GL account is missing in BILL (the link's account
 * policy is 'error'), read why and its trail, create the account in BILL through BILL's API, reach
 * Replay with the keyboard and watch the record turn green. Screenshots of the main pages are taken
 * on the way (docs/screenshots with MLC_UPDATE_SCREENSHOTS=1).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { reconcileLink } from '../../src/engine/reconcile.ts';
import { listRecords } from '../../src/store/repos/records.ts';
import { formatMoney } from '../../src/core/money.ts';
import { minor } from '../engine/ledger-views.ts';
import { control, type Json } from '../helpers/emulator-control.ts';
import { browserUnavailable, launchBrowser, screenshotDir, type Browser } from './browser.ts';
import { openDashboardFixture, type DashboardFixture } from './fixture.ts';

const unavailable = browserUnavailable();

// The project compiles without the DOM library; this one browser global runs inside the page.
declare const getComputedStyle: (element: unknown) => { backgroundColor: string };

if (unavailable && process.env.CI === 'true') {
  test('chromium is available', () => assert.fail(`${unavailable}; under CI=true the browser test must run`));
} else if (unavailable) {
  // A skipped test (not a skipped suite) so the reason also shows in the run's skip count.
  test('dashboard in headless Chromium', { skip: unavailable }, () => undefined);
} else {
  describe('dashboard in headless Chromium', () => {
    let fx: DashboardFixture;
    let browser: Browser;
    let page: Page;
    const shots = screenshotDir();
    const shoot = (name: string) => page.screenshot({ path: join(shots.dir, `${name}.png`), fullPage: true });
    let failedBillId = '';
    const runKinds = async () => (await fx.db.query<{ kind: string }>('select kind from runs order by started_at')).rows.map((r) => r.kind);

    before(async () => {
      fx = await openDashboardFixture({ mode: 'serve', settings: { accountPolicy: 'error' } });
      browser = await launchBrowser();
      page = await browser.context.newPage();
      page.setDefaultTimeout(30_000);
    });
    after(async () => {
      await browser?.close();
      await fx?.close();
      if (!shots.keep) rmSync(shots.dir, { recursive: true, force: true });
    });

    test('a wrong token is refused; the right one signs in with an HttpOnly, SameSite=Strict cookie', async () => {
      await page.goto(`${fx.url}/records`);
      assert.equal(new URL(page.url()).pathname, '/login', 'pages send an unsigned visitor to sign in');
      await page.getByLabel('API token').fill('wrong-token-value');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'That token is not right' }).waitFor();
      assert.equal((await browser.context.cookies()).length, 0);

      await page.getByLabel('API token').fill(fx.apiToken);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Records' }).waitFor();
      const [cookie] = await browser.context.cookies();
      assert.equal(cookie?.name, 'mlc_session');
      assert.equal(cookie?.httpOnly, true);
      assert.equal(cookie?.sameSite, 'Strict');
      assert.ok(!(await page.content()).includes(fx.apiToken), 'the token never appears in a page');
    });

    test('Sync now queues a sync; the overview follows it and shows the run with its counts', async () => {
      await page.getByRole('link', { name: 'Overview' }).click();
      await page.getByRole('button', { name: 'Sync now main' }).click();
      await page.getByRole('status').filter({ hasText: 'Sync queued' }).first().waitFor();
      // The page reloads itself when the run ends; the run is partial because some bills fail.
      await page.locator('table td .status-partial').waitFor({ timeout: 60_000 });
      // The counts are said in words, failures first, not as the engine's keys.
      const counts = await page.locator('td.counts').first().innerText();
      assert.match(counts, /^\d+ bills? failed, \d+ created/);
      assert.match(counts, /\d+ vendors? created/);
      assert.doesNotMatch(counts, /\b[a-z]+\.[a-z_]+ \d/, 'no internal keys such as bill.fail');
      assert.deepEqual(await runKinds(), ['sync']);
    });

    test('a bill whose GL account is missing in BILL is listed with the reason in plain words and its trail', async () => {
      await page.getByRole('link', { name: /^\d+ records of main need attention$/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Records' }).waitFor();
      const failed = await listRecords(fx.db, { link: 'main', status: ['failed'], entity: 'bill' });
      assert.ok(failed.length >= 1, 'the sync failed at least one bill');
      const rows = page.locator('table.records tbody tr');
      assert.equal(await rows.count(), failed.length);
      assert.equal(await page.getByText("A GL account on this record has no match in BILL's chart of accounts.").count(), failed.length);

      // Narrow by filters, as a person would: failed bills from Xero.
      // Any status: the primary Replay sits only on the records that need attention, not on synced ones.
      await page.getByLabel('Status').selectOption('all');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/status=all/);
      const synced = page.locator('table.records tbody tr').filter({ has: page.locator('.status-synced') });
      assert.ok((await synced.count()) >= 1);
      assert.equal(await synced.locator('button').count(), 0, 'no Replay on synced records');
      assert.equal(await page.locator('button.primary.replay').count(), await page.locator('table.records tbody tr').filter({ has: page.locator('.status-failed, .status-conflict') }).count());

      await page.getByLabel('Status').selectOption('failed');
      await page.getByLabel('From system').selectOption('xero');
      await page.getByLabel('Kind').selectOption('bill');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/status=failed&system=xero&entity=bill/);
      await shoot('records');

      const target = failed[failed.length - 1]!;
      failedBillId = target.source_id;
      await page.locator(`tr[data-record="${failedBillId}"] th a`).click();
      await page.getByRole('heading', { name: 'What went wrong' }).waitFor();
      assert.equal(await page.locator('[data-side="source"]').innerText(), failedBillId);
      assert.equal(await page.locator('[data-side="target"]').innerText(), 'not created yet');
      const trail = page.locator('ol.trail > li');
      assert.ok((await trail.count()) >= 1);
      assert.match(await trail.last().innerText(), /failed[\s\S]*MLC_ERR_MISSING_ACCOUNT/);
    });

    test('after the account is created in BILL, Replay reached with the keyboard turns the record green', async () => {
      // Fix the cause for real: create in BILL, through its API, the accounts this bill uses and BILL lacks.
      const { erp, bill: hub } = await fx.deps.open(fx.link);
      const [bill] = (await erp.read.bill!.get([failedBillId])).items;
      const erpAccounts = await erp.chart.list();
      const billCodes = new Set((await hub.chart.list()).map((a) => a.code));
      const wanted = erpAccounts.filter((a) => bill!.lines.some((l) => l.account?.code === a.code) && !billCodes.has(a.code));
      assert.ok(wanted.length >= 1, 'the bill uses an account BILL lacks');
      await hub.chart.create!(wanted.map((a) => ({ name: a.name, code: a.code, kind: a.kind })));

      await page.reload();
      await page.keyboard.press('Tab');
      assert.equal(await page.locator(':focus').innerText(), 'Skip to content', 'the first Tab stop is the skip link');
      let reached = false;
      for (let i = 0; i < 40 && !reached; i += 1) {
        await page.keyboard.press('Tab');
        reached = /\breplay\b/.test((await page.locator(':focus').getAttribute('class')) ?? '');
      }
      assert.ok(reached, 'Replay is reachable with Tab');
      await page.keyboard.press('Enter');
      // The page follows the replay and then says what came of it, not only a changed try count.
      await page.getByRole('status').filter({ hasText: 'Replay finished: created on the target. The record is synced.' }).waitFor({ timeout: 60_000 });
      const badge = page.locator('.lead .status-synced');
      await badge.waitFor();
      assert.equal(await badge.innerText(), 'synced');
      assert.equal(await badge.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(227, 244, 232)', 'green');
      const targetId = await page.locator('[data-side="target"]').innerText();
      assert.notEqual(targetId, 'not created yet');
      assert.match(await page.locator('ol.trail > li').last().innerText(), /created on the target/);
      const [record] = await listRecords(fx.db, { link: 'main', entity: 'bill', status: ['synced'] }).then((rs) => rs.filter((r) => r.source_id === failedBillId));
      assert.equal(record?.target_id, targetId);
      assert.deepEqual(await runKinds(), ['sync', 'replay']);
      assert.equal(await page.locator('button.replay').count(), 0, 'a synced record offers no Replay');
      await page.getByText('Payload sent').click();
      assert.match(await page.locator('ol.trail > li').last().locator('pre').first().innerText(), /"invoiceNumber"/);
      await shoot('record-trail');
    });

    test('a BILL payment is named by vendor, amount, bill number and date, not by its ids', async () => {
      // Pay one of the synced bills in BILL, as the BILL network would, and sync it back.
      const org = (await control(fx.emulators.bill!.urls.base, 'GET', '/state')).organizations[0];
      const billBill = org.bills.find((b: Json) => /^Synced from the ERP bill /.test(b.description ?? ''));
      assert.ok(billBill, 'the sync created BILL bills');
      const xeroId = String(billBill.description).replace('Synced from the ERP bill ', '');
      const payment = await control(fx.emulators.bill!.urls.base, 'POST', '/pay', { billId: billBill.id });
      const invoice = (await control(fx.emulators.xero!.urls.base, 'GET', '/state')).tenants
        .flatMap((t: Json) => t.invoices ?? []).find((i: Json) => i.InvoiceID === xeroId);
      assert.ok(invoice, 'the Xero bill behind the BILL bill');

      await page.getByRole('link', { name: 'Overview' }).click();
      await page.getByRole('button', { name: 'Sync now main' }).click();
      await page.locator('td.counts').filter({ hasText: '1 payment created' }).first().waitFor({ timeout: 60_000 });

      await page.goto(`${fx.url}/records?status=all&entity=payment`);
      const row = page.locator('table.records tbody tr').first();
      const name = await row.locator('th a').innerText();
      assert.equal(name, `${invoice.Contact.Name} · ${formatMoney({ currency: invoice.CurrencyCode, minor: minor(String(payment.amount), invoice.CurrencyCode) })} ${invoice.CurrencyCode} · bill ${invoice.InvoiceNumber} · paid ${payment.processDate}`);
      assert.match(await row.locator('th .id').innerText(), new RegExp(`^BILL ${payment.id} `), 'the BILL ids stay readable beside it');
      await row.locator('th a').click();
      await page.getByRole('heading', { level: 1, name }).waitFor();
    });

    test('the GL account page marks accounts without a BILL match; reconcile shows the differences and totals', async () => {
      await page.getByRole('link', { name: 'GL accounts' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'GL accounts' }).waitFor();
      const unmatched = page.locator('tr.unmatched');
      assert.ok((await unmatched.count()) >= 1, 'some Xero accounts still have no BILL account');
      assert.match(await unmatched.first().innerText(), /No match in BILL[\s\S]*Bills using it fail/);
      // Only accounts bills post to are judged: equity, receivable and retained earnings are never flagged.
      assert.deepEqual([...new Set(await unmatched.locator('td:nth-child(2)').allInnerTexts())], ['expense']);
      for (const name of ['Retained Earnings', 'Accounts Receivable', "Owner's Equity"]) {
        assert.equal(await unmatched.filter({ hasText: name }).count(), 0, `${name} is not flagged`);
      }
      await page.locator('details.not-judged summary').click();
      assert.match(await page.locator('details.not-judged').innerText(), /960 Retained Earnings\s+equity/);
      assert.ok((await page.locator('tr.matched').count()) >= 1);
      await shoot('accounts');
    });

    test('a reconciliation run outside the dashboard (as the CLI runs it) is the one the page shows; the missing bills count in the totals', async () => {
      // `ml-connector reconcile` calls reconcileLink with its runtime; the embedded database is held by the server here.
      const cli = await reconcileLink(fx.deps, fx.link);
      const stillFailed = (await listRecords(fx.db, { link: 'main', status: ['failed'], entity: 'bill' })).length;
      assert.ok(stillFailed >= 1 && !cli.agree);
      await page.getByRole('link', { name: 'Reconcile' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Reconcile' }).waitFor();
      assert.match(await page.locator('.verdict').innerText(), new RegExp(`^${cli.differences.length} difference`), 'the CLI reconciliation, not "Not reconciled yet"');

      await page.getByRole('button', { name: 'Reconcile main now' }).click();
      await page.getByRole('status').filter({ hasText: 'Reconciliation finished' }).waitFor();
      assert.match(await page.locator('.verdict').innerText(), new RegExp(`^${stillFailed} difference`));
      assert.equal(await page.locator('table.differences tbody tr').filter({ hasText: 'Approved unpaid bill missing in BILL' }).count(), stillFailed);
      const rows = page.locator('table.totals tbody tr');
      assert.ok((await rows.count()) >= 1, 'totals per currency');
      // Each missing bill is in Xero's total and not in BILL's, so the bills' totals differ, as the differences say.
      const { erp } = await fx.deps.open(fx.link);
      const missing = (await erp.read.bill!.get((await listRecords(fx.db, { link: 'main', status: ['failed'], entity: 'bill' })).map((r) => r.source_id))).items;
      const currencies = new Set(missing.map((b) => b.currency));
      for (const currency of currencies) {
        const cells = await rows.filter({ has: page.locator('th', { hasText: currency }) }).locator('td').allInnerTexts();
        assert.notEqual(cells[0], cells[1], `${currency}: Xero and BILL totals`);
        assert.equal(cells[2], 'differ');
      }
      await shoot('reconcile');
    });

    test('Connect is in the navigation and looks like the rest; the system filter lists only connected systems; pages fit a phone', async () => {
      await page.getByRole('link', { name: 'Overview' }).click();
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Connect' }).click();
      await page.getByRole('heading', { level: 1, name: 'Connect' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Connect', exact: true }).getAttribute('aria-current'), 'page');
      assert.equal(await page.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(246, 247, 249)', "the dashboard's stylesheet");
      assert.equal(await page.locator('table tbody tr').count(), 2, 'both connections listed');
      await shoot('connect');

      await page.getByRole('link', { name: 'Records' }).click();
      assert.deepEqual(await page.locator('#f-system option').allInnerTexts(), ['Any system', 'Xero', 'BILL']);

      // A phone: no page is wider than the screen, and a record's Replay is on screen, not cut off.
      await page.setViewportSize({ width: 375, height: 800 });
      try {
        for (const path of ['/', '/records?status=all', '/accounts', '/reconcile', '/connect']) {
          await page.goto(`${fx.url}${path}`);
          const width = await page.evaluate('document.documentElement.scrollWidth');
          assert.ok(Number(width) <= 375, `${path} is ${width}px wide on a 375px screen`);
        }
        await page.goto(`${fx.url}/records`);
        const replay = page.locator('button.primary.replay').first();
        const box = await replay.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `Replay lies within the screen (${JSON.stringify(box)})`);
        await page.screenshot({ path: join(shots.dir, 'records-phone.png') });
      } finally {
        await page.setViewportSize({ width: 1280, height: 860 });
      }
    });

    test('the overview shows both runs and connection health; logging out ends the session', async () => {
      await page.getByRole('link', { name: 'Overview' }).click();
      assert.equal(await page.locator('table td .status-ok').count(), 2, 'both connections are healthy');
      assert.deepEqual(await page.locator('table tbody tr td:nth-child(3)').filter({ hasText: /^(sync|replay)$/ }).allInnerTexts(), ['sync', 'replay', 'sync']);
      await shoot('overview');
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      await page.goto(`${fx.url}/`);
      assert.equal(new URL(page.url()).pathname, '/login');
      // Signed out, the connect pages go to the sign-in too, and come back after it.
      await page.goto(`${fx.url}/connect`);
      assert.equal(new URL(page.url()).pathname, '/login');
      await page.getByLabel('API token').fill(fx.apiToken);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Connect' }).waitFor();
    });
  });
}
