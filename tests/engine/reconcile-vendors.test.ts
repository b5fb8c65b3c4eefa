/**
 * Reconcile proves vendors too: after a clean first sync every synced supplier has one active BILL
 * vendor; a second active BILL vendor under a synced supplier's name (what a create made twice
 * leaves) is a difference naming both ids, read from BILL itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/db.ts';
import { Sandbox } from './sandbox-fixture.ts';

forEachBackend('reconcile of vendors', (backend) => {
  let sb: Sandbox;
  before(async () => {
    sb = await Sandbox.open(backend.db, backend.dataDir, { seed: 31, xero: { suppliers: 5, bills: 12 } });
    assert.equal((await sb.sync()).status, 'succeeded');
  });
  after(() => sb?.close());

  test('after a clean sync every synced supplier has one active BILL vendor', async () => {
    const report = await sb.reconcile();
    assert.deepEqual(report.differences, []);
    const linked = (await sb.idMap('vendor')).filter((m) => m.state === 'linked');
    assert.ok(linked.length >= 3);
    assert.equal(report.checked.linkedVendors, linked.length);
    assert.equal(report.checked.billVendors, (await sb.billState()).vendors.length);
  });

  test('a second active BILL vendor under a synced name is a duplicate_vendor_in_bill difference', async () => {
    const row = (await sb.idMap('vendor')).find((m) => m.state === 'linked')!;
    const original = (await sb.billState()).vendors.find((v: { id: string }) => v.id === row.target_id);
    const twin = await sb.billApi.createVendor({ name: original.name, accountType: 'BUSINESS', billCurrency: original.billCurrency ?? 'USD' });
    const report = await sb.reconcile();
    assert.equal(report.agree, false);
    const vendorDifferences = report.differences.filter((d) => d.kind === 'duplicate_vendor_in_bill');
    assert.equal(vendorDifferences.length, 1, JSON.stringify(report.differences));
    assert.match(vendorDifferences[0]!.detail, new RegExp(`${original.id}.*${twin.id}`));
    assert.match(vendorDifferences[0]!.detail, new RegExp(row.source_id));
  });
});
