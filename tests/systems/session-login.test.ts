import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/core/errors.ts';
import { startBillHarness } from './bill-harness.ts';

// The shared session-login manager (src/systems/session-login.ts), driven through BILL's client
// against the BILL emulator. Reuse across processes, re-login on BDC_1109 and the 30-minute idle
// rule are in bill-contract.test.ts; these cover what the manager adds on top.

const LOGIN = 'POST /connect/v3/login';
const LOGOUT = 'POST /connect/v3/logout';
const MINUTE = 60_000;

test('session login: calls every 20 minutes keep one session for an hour, and a later process sees its last use', async () => {
  const h = await startBillHarness({ seed: 61 });
  try {
    let now = Date.now();
    const clock = { now: () => now };
    const first = h.client({ clock });
    const org = first.forOrg(h.emu.sandbox.organizationId);
    await org.listDepartments();
    const loggedInAt = (await h.store.load()).session!.lastUsedAt;
    for (let i = 0; i < 3; i++) {
      now += 20 * MINUTE;
      await h.advanceClock(20 * 60);
      await org.listDepartments();
    }
    assert.equal(first.session.loginCount, 1, 'each call slid the idle clock');
    // 80 minutes after the login, but only 20 after the last use that process recorded.
    now += 20 * MINUTE;
    await h.advanceClock(20 * 60);
    const stored = (await h.store.load()).session!;
    assert.ok(stored.lastUsedAt >= loggedInAt + 60 * MINUTE, 'the last use was written back to the store');
    const second = h.client({ clock });
    await second.forOrg(h.emu.sandbox.organizationId).listDepartments();
    assert.equal(second.session.loginCount, 0);
    assert.equal((await h.stats()).callsByEndpoint[LOGIN], 1);
  } finally {
    await h.stop();
  }
});

test('session login: refused credentials make one login for many callers, save nothing, and corrected ones are used next', async () => {
  const h = await startBillHarness({ seed: 62 });
  try {
    const password = h.emu.sandbox.password;
    await h.store.update(async (c) => ({ ...c, password: 'not-the-password-1' }));
    const savesBefore = h.store.saves.length;
    const client = h.client();
    const org = client.forOrg(h.emu.sandbox.organizationId);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => org.listDepartments()));
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof ConnectorError);
      assert.equal(r.reason.code, 'MLC_ERR_BAD_CREDENTIALS');
    }
    assert.equal((await h.stats()).callsByEndpoint[LOGIN], 1, 'the callers shared one login attempt');
    assert.equal(h.store.saves.length, savesBefore);
    assert.equal((await h.store.load()).session, undefined);
    // `connect` saves the right password: the same client reads it at its next login.
    await h.store.update(async (c) => ({ ...c, password }));
    assert.ok((await org.listDepartments()).length > 0);
    assert.equal((await h.stats()).callsByEndpoint[LOGIN], 2);
    assert.ok((await h.store.load()).session?.sessionId);
  } finally {
    await h.stop();
  }
});

test('session login: logout ends the session at BILL and forgets it; the next call logs in afresh', async () => {
  const h = await startBillHarness({ seed: 63 });
  try {
    const client = h.client();
    const org = client.forOrg(h.emu.sandbox.organizationId);
    await org.listDepartments();
    const ended = (await h.store.load()).session!.sessionId;
    await client.session.logout();
    assert.equal((await h.store.load()).session, undefined);
    assert.equal((await h.stats()).callsByEndpoint[LOGOUT], 1);
    const probe = await fetch(`${h.emu.urls.api}/login/session`, { headers: { devKey: h.emu.sandbox.devKey, sessionId: ended } });
    assert.equal(probe.status, 401, 'BILL no longer accepts the ended session');
    await probe.body?.cancel();
    await org.listDepartments();
    assert.equal(client.session.loginCount, 2);
    assert.notEqual((await h.store.load()).session!.sessionId, ended);
  } finally {
    await h.stop();
  }
});

test('session login: a session already idle past the limit is forgotten without a logout call', async () => {
  const h = await startBillHarness({ seed: 64 });
  try {
    let now = Date.now();
    const client = h.client({ clock: { now: () => now } });
    await client.forOrg(h.emu.sandbox.organizationId).listDepartments();
    now += 31 * MINUTE;
    await client.session.logout();
    assert.equal((await h.store.load()).session, undefined);
    assert.equal((await h.stats()).callsByEndpoint[LOGOUT] ?? 0, 0);
  } finally {
    await h.stop();
  }
});
