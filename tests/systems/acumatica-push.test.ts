import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { changedKeys, readPushNotification } from '../../src/systems/acumatica/webhooks.ts';
import { startAcumaticaHarness } from './acumatica-harness.ts';
import { eventually } from './log-capture.ts';

const body = (req: IncomingMessage) => new Promise<Buffer>((resolve) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve(Buffer.concat(parts)));
});

test('Acumatica push: a notification sent when a bill is released carries the static header and names the bill by its keys', async () => {
  const received: { header: string | string[] | undefined; raw: Buffer }[] = [];
  const server = createServer(async (req, res) => {
    received.push({ header: req.headers['x-mlc-token'], raw: await body(req) });
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const h = await startAcumaticaHarness({ seed: 31, initialSeed: { vendors: 5, bills: 12 } });
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/acumatica`;
    await h.control('push', { url, headerName: 'X-MLC-Token', headerValue: 'push-secret' });
    const state = (await h.control('state')) as { tenants: { records: { Bill: { Type: { value: string }; ReferenceNbr: { value: string }; Status: { value: string } }[] } }[] };
    const balanced = state.tenants[0]!.records.Bill.find((b) => b.Status.value === 'Balanced')!;
    await h.control('documents/ReleaseBill', { type: balanced.Type.value, referenceNbr: balanced.ReferenceNbr.value });
    await eventually(() => received.length > 0);
    const read = readPushNotification({ rawBody: received[0]!.raw, header: received[0]!.header, expected: 'push-secret' });
    assert.ok(read.ok, JSON.stringify(read));
    assert.deepEqual(changedKeys(read.value, ['Type', 'ReferenceNbr']), [`${balanced.Type.value}|${balanced.ReferenceNbr.value}`]);
    assert.ok(read.value.Id, 'the transaction id to de-duplicate by');
    assert.equal(readPushNotification({ rawBody: received[0]!.raw, header: received[0]!.header, expected: 'other-secret' }).ok, false);
  } finally {
    await h.stop();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
