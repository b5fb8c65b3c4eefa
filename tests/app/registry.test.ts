/**
 * The system registry at boot: every registered system is complete (spec, port, ping, webhook or an
 * explicit null, connect flow, reconnect command), every known system id is either registered or
 * listed as not supported yet, and a connection's own limits reach the limiter that its client's
 * calls go through (judged by the emulator's count of requests in flight).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../src/core/log.ts';
import { ConnectorError } from '../../src/core/errors.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import { openSecretBox } from '../../src/app/secret-box.ts';
import { notYetSupported, registeredEntries, registeredSystems } from '../../src/app/systems/index.ts';
import { applyLimits, connectionLimits } from '../../src/app/systems/limits.ts';
import { openXeroClient } from '../../src/app/sides.ts';
import { startEmulators, type Emulators } from '../../src/emulators/index.ts';
import { connectSandbox } from '../../src/sandbox/connect.ts';
import { hubSystemId, systemSpecs } from '../../src/systems/registry.ts';
import { erpSystemIds, systemIds } from '../../src/systems/types.ts';
import { xeroSpec } from '../../src/systems/xero/spec.ts';
import { forEachBackend } from '../helpers/db.ts';
import { control } from '../helpers/emulator-control.ts';

test('every registered system is complete', () => {
  const entries = registeredEntries();
  assert.ok(entries.length >= 2);
  for (const e of entries) {
    const where = `system '${e.id}'`;
    assert.equal(registeredSystems[e.id], e, `${where} is registered under its own id`);
    assert.equal(e.spec, systemSpecs[e.id], `${where} carries the spec of systems/registry.ts`);
    assert.equal(typeof e.openSide, 'function', `${where} opens its port`);
    assert.equal(typeof e.ping, 'function', `${where} has a ping`);
    assert.ok(e.webhook === null || (typeof e.webhook.read === 'function' && e.webhook.signatureHeader === e.spec.webhook?.signatureHeader),
      `${where} has a webhook receiver on its spec's signature header, or an explicit null`);
    if (e.spec.webhook === null) assert.equal(e.webhook, null, `${where}: no webhook in the spec, no receiver`);
    assert.ok(e.id === hubSystemId || (erpSystemIds as readonly string[]).includes(e.id), `${where} is the hub or an ERP id`);
    assert.ok(e.subscriptions === undefined || (typeof e.subscriptions.ensure === 'function' && typeof e.subscriptions.check === 'function'), `${where}: subscriptions ensure and check`);
    // The connect flow fits how the spec says the system authenticates.
    const kind = e.spec.auth.kind;
    if (kind === 'oauth2-code') {
      assert.equal(e.connect.kind, 'oauth2-code', where);
      if (e.connect.kind === 'oauth2-code') {
        for (const f of ['app', 'urlsFor', 'reachableUrl', 'authorize', 'exchange', 'connection', 'defaultConnectionId', 'revoke'] as const) assert.equal(typeof e.connect[f], 'function', `${where}: oauth ${f}`);
        assert.ok(e.connect.settings.fields.length > 0 && typeof e.connect.settings.save === 'function', `${where}: app settings form`);
        assert.match(e.connect.cli.clientSecretEnv, /^ML_CONNECTOR_[A-Z_]+$/);
      }
    } else {
      assert.equal(e.connect.kind, 'credentials', where);
      const flow = e.connect;
      if (flow.kind === 'credentials') {
        // An optional field may be form-only (Acumatica's OAuth client): the command line asks for every field it names.
        assert.ok(flow.fields.every((f) => f.cli || !f.required), `${where}: every required credential field has its command-line flag`);
        assert.ok(flow.fields.some((f) => f.key === flow.tenantField), `${where}: the tenant field is a field`);
      }
    }
    const command = e.reconnectCommand({ id: 'c1', system: e.id, tenant_id: 't1', config: {} });
    assert.match(command, new RegExp(`ml-connector connect ${e.id} --name c1`), `${where}: reconnect command`);
  }
});

test('every system id is registered or said to be not supported yet, never both', () => {
  for (const id of systemIds) {
    const registered = registeredSystems[id] !== undefined;
    assert.notEqual(registered, notYetSupported.includes(id), `system id '${id}' must be registered or listed in notYetSupported (exactly one)`);
  }
  assert.ok(notYetSupported.every((id) => (systemIds as readonly string[]).includes(id)));
});

test('a limits override changes the fields it gives; an unknown window must be whole; bad values are named', () => {
  const limits = applyLimits(xeroSpec.limits, { concurrency: { budget: 2 }, windows: [{ name: 'day', budget: 900, published: 1000 }] });
  assert.equal(limits.concurrency.budget, 2);
  assert.equal(limits.concurrency.scope, 'tenant', 'fields not given keep the spec');
  const day = limits.windows.find((w) => w.name === 'day')!;
  assert.deepEqual([day.budget, day.published, day.windowMs, day.onExhaust], [900, 1000, 86_400_000, 'park']);
  assert.equal(limits.windows.find((w) => w.name === 'minute')!.budget, 57);
  assert.equal(xeroSpec.limits.concurrency.budget, 5, 'the spec itself is untouched');
  assert.throws(() => connectionLimits(xeroSpec, 'c1', { windows: [{ name: 'hour', budget: 10 }] }), (e: unknown) =>
    e instanceof ConnectorError && e.code === 'MLC_ERR_CONFIG' && /connection 'c1'.*window 'hour'.*published/.test(e.message));
  assert.throws(() => connectionLimits(xeroSpec, 'c1', { concurrency: { budget: 0 } }), /concurrency\.budget/);
  assert.throws(() => connectionLimits(xeroSpec, 'c1', { concurency: { budget: 1 } }), /limits/);
});

forEachBackend('limits overridable per connection', (b) => {
  let emulators: Emulators;
  let rt: Runtime;
  before(async () => {
    emulators = await startEmulators({ only: ['xero', 'bill'], seed: 17, latencyMs: 20 });
    const box = await openSecretBox({ dataDir: b.dataDir, masterKey: randomBytes(32).toString('hex') });
    rt = { db: b.db, box, log: silentLogger, dataDir: b.dataDir, deps: undefined as never, close: async () => undefined };
    await connectSandbox(rt, emulators, { linkName: 'limits' });
    // Each request is held 60 ms in the emulator, so parallel calls overlap there.
    await control(emulators.xero!.urls.base, 'POST', '/latency', { latencyMs: 60 });
  });
  after(async () => {
    await emulators?.stop();
  });

  const setLimits = (limits: unknown) =>
    b.db.query(`update connections set config = ${limits === undefined ? "config - 'limits'" : "jsonb_set(config, '{limits}', $2::jsonb)"} where id = $1`,
      limits === undefined ? ['xero'] : ['xero', JSON.stringify(limits)]);

  /** The most requests the Xero emulator saw in flight at once for the tenant during 12 parallel calls (20 ms each, so they overlap however loaded the machine is). */
  async function peakInFlight(): Promise<number> {
    const { client, tenantId } = await openXeroClient(rt, 'xero');
    const tenant = client.forTenant(tenantId);
    await control(emulators.xero!.urls.base, 'POST', '/stats/reset', {});
    await Promise.all(Array.from({ length: 12 }, () => tenant.listTrackingCategories()));
    const stats = await control(emulators.xero!.urls.base, 'GET', '/stats');
    assert.equal(stats.limitViolations, 0);
    return Math.max(0, ...Object.values(stats.maxInFlight as Record<string, number>));
  }

  test("a connection's concurrency override is what its calls get; without it, the spec's", async () => {
    await setLimits({ concurrency: { budget: 2 } });
    assert.equal(await peakInFlight(), 2);
    await setLimits(undefined);
    assert.equal(await peakInFlight(), xeroSpec.limits.concurrency.budget);
  });

  test('a connection whose override cannot be used does not open, and says which field', async () => {
    await setLimits({ concurrency: { budget: -1 } });
    try {
      await assert.rejects(openXeroClient(rt, 'xero'), (e: unknown) => e instanceof ConnectorError && e.code === 'MLC_ERR_CONFIG' && /connection 'xero' has limits.*concurrency\.budget/.test(e.message));
    } finally {
      await setLimits(undefined);
    }
  });
});
