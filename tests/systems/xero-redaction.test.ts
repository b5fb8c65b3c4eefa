import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { authorizeWithEmulator, startXeroHarness } from './xero-harness.ts';

test('Xero: logs and errors of a full flow never contain a token, the client secret, the code or the verifier', async () => {
  const h = await startXeroHarness({ seed: 71 });
  const errors: unknown[] = [];
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      errors.push(e);
    }
  };
  try {
    const second = await authorizeWithEmulator(h.oauth);
    let now = Date.now();
    const xero = h.client({ clock: { now: () => now } });
    const tenant = xero.forTenant(h.tenantId);
    for await (const page of tenant.iterateContacts({ pageSize: 5 })) assert.ok(page.records.length >= 0);
    now += 31 * 60_000;
    await h.advanceClock(31 * 60);
    await tenant.listAccounts();
    await h.faults({ expireAuthNow: true });
    await tenant.getOrganisation();
    await h.faults({ rateLimitBurst: 1 });
    await tenant.listTrackingCategories();
    await h.faults({});
    await attempt(() => tenant.getInvoicesByIds(['not-a-guid']));
    await attempt(() => xero.forTenant('00000000-0000-0000-0000-000000000000').getOrganisation());
    await attempt(() => h.oauth.refresh('definitely-not-a-refresh-token'));
    await h.oauth.revoke(second.credentials.refreshToken);
    await attempt(() => h.oauth.refresh(second.credentials.refreshToken));
    assert.ok(errors.length >= 3);
    assert.ok(errors.every((e) => e instanceof ConnectorError));

    const secrets = [
      h.emu.sandbox.clientSecret,
      h.first.code,
      h.first.codeVerifier,
      second.code,
      second.codeVerifier,
      second.credentials.accessToken,
      second.credentials.refreshToken,
      ...h.store.saves.flatMap((s) => [s.accessToken, s.refreshToken]),
      h.first.credentials.accessToken,
      h.first.credentials.refreshToken,
    ];
    assert.ok(h.store.saves.length >= 2, 'two refreshes happened');
    const log = h.logs.text();
    assert.ok(log.includes('xero.refresh'), 'the flow was logged');
    const errorText = errors.map((e) => JSON.stringify(e) + String((e as Error).message) + String((e as ConnectorError).vendorBody) + String((e as Error).stack)).join('\n');
    for (const secret of secrets) {
      assert.ok(!log.includes(secret), 'a secret reached the log');
      assert.ok(!errorText.includes(secret), 'a secret reached an error');
    }
  } finally {
    await h.stop();
  }
});
