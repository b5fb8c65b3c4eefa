import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { databaseCredentialStore } from '../../src/app/credential-store.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { ConnectorError } from '../../src/core/errors.ts';
import type { BillCredentials } from '../../src/systems/bill/auth.ts';
import { readSecret, saveConnection } from '../../src/store/repos/connections.ts';
import { forEachBackend } from '../helpers/db.ts';
import { startBillHarness } from './bill-harness.ts';

test('BILL: logs and errors of a full flow never contain the password, devKey or any sessionId', async () => {
  const h = await startBillHarness({ seed: 21, initialSeed: { vendors: 12, bills: 10 } });
  const errors: unknown[] = [];
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      errors.push(e);
    }
  };
  try {
    const org = h.client().forOrg(h.emu.sandbox.organizationId);
    for await (const page of org.iterateVendors({ max: 5 })) assert.ok(page.records.length > 0);
    await h.faults({ rateLimitBurst: 2 });
    await org.listDepartments();
    await h.faults({ expireAuthNow: true });
    await org.listChartOfAccounts();
    await h.faults({ serverErrorRate: 1, pathPattern: 'departments' });
    await attempt(() => org.listDepartments());
    await h.faults({ lostResponseRate: 1, pathPattern: '/bills$' });
    const vendor = (await org.createVendor({ name: 'Redaction Check' })).id;
    await attempt(() => org.createBill({ vendorId: vendor, dueDate: '2026-03-01', invoice: { invoiceNumber: 'R-1', invoiceDate: '2026-02-01' }, billLineItems: [{ amount: '1.00' }] }));
    await h.faults({});
    await attempt(() => org.createBill({ vendorId: 'bogus', dueDate: 'soon', invoice: { invoiceNumber: '', invoiceDate: '' }, billLineItems: [] }));
    await h.store.update(async (c) => ({ ...c, session: undefined, password: `${c.password}-typo` }));
    await attempt(() => h.client().forOrg(h.emu.sandbox.organizationId).listDepartments());

    assert.ok(errors.length >= 4, `expected failures to inspect, got ${errors.length}`);
    assert.ok(errors.every((e) => e instanceof ConnectorError));
    const creds = await h.store.load();
    const secrets = [h.emu.sandbox.password, creds.password, h.emu.sandbox.devKey, ...h.store.saves.map((s) => s.session?.sessionId).filter((s): s is string => !!s)];
    assert.ok(secrets.length >= 5, 'two sessions were opened');
    const logText = h.logs.text();
    assert.ok(h.logs.lines().some((l) => l.op === 'bill.login'), 'the flow was logged');
    const errorText = errors.map((e) => JSON.stringify(e) + String((e as Error).message) + String((e as ConnectorError).vendorBody) + String((e as Error).stack)).join('\n');
    for (const secret of secrets) {
      assert.ok(!logText.includes(secret), 'a secret reached the log');
      assert.ok(!errorText.includes(secret), 'a secret reached an error');
    }
  } finally {
    await h.stop();
  }
});

forEachBackend('credentials read from the database', (b) => {
  test('the logs show the organisation id, while passwords, tokens, developer keys and session ids stay scrubbed', async () => {
    const h = await startBillHarness({ seed: 22 });
    try {
      const box = await openSecretBox({ dataDir: b.dataDir, masterKey: randomBytes(32).toString('hex') });
      const orgId = h.emu.sandbox.organizationId;
      await saveConnection(b.db, box, { id: 'bill', system: 'bill', label: orgId, tenantId: orgId, config: {}, secret: { ...h.emu.sandbox } });
      const xero = { accessToken: `at-${randomBytes(12).toString('hex')}`, refreshToken: `rt-${randomBytes(12).toString('hex')}`, clientSecret: `cs-${randomBytes(12).toString('hex')}`, scope: 'accounting.transactions offline_access', expiresAt: Date.now() };
      await saveConnection(b.db, box, { id: 'xero', system: 'xero', label: 'Demo', tenantId: 'tenant-1', config: {}, secret: xero });
      await readSecret(b.db, box, 'xero');
      // The real login, with the credentials read from and the session stored to the database.
      const org = h.client({ credentials: databaseCredentialStore<BillCredentials>(b.db, box, 'bill') }).forOrg(orgId);
      await org.listDepartments();
      const stored = await readSecret<BillCredentials>(b.db, box, 'bill');
      assert.ok(stored.session?.sessionId, 'the session went to the database');
      // What a careless log line could carry: every value, named and inside text.
      h.logs.logger.info({ organizationId: orgId, detail: `org ${orgId} user ${stored.username} ${stored.password} ${stored.devKey} ${stored.session.sessionId} ${xero.accessToken} ${xero.refreshToken} ${xero.clientSecret}` }, `connection for ${orgId}`);

      const login = h.logs.lines().find((l) => l.msg === 'logged in to BILL');
      assert.equal(login?.organizationId, orgId, 'the login line names the organisation');
      const last = h.logs.lines().at(-1)!;
      assert.equal(last.msg, `connection for ${orgId}`);
      assert.match(String(last.detail), new RegExp(`^org ${orgId} user ${stored.username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (\\[REDACTED\\] ){5}\\[REDACTED\\]$`));
      const text = h.logs.text();
      for (const secret of [stored.password, stored.devKey, stored.session.sessionId, xero.accessToken, xero.refreshToken, xero.clientSecret]) {
        assert.ok(!text.includes(secret), 'a secret reached the log');
      }
    } finally {
      await h.stop();
    }
  });
});
