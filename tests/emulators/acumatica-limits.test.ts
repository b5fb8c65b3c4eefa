import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AcuClient, control, login, openAcumatica } from './acumatica-helpers.ts';

test('past the concurrency cap requests wait in the queue (never more in flight than the cap, none refused)', async () => {
  const { acu, c } = await openAcumatica({ seed: 14, concurrentRequests: 2, latencyMs: 30 });
  try {
    await control(acu, 'POST', '/stats/reset');
    const results = await Promise.all(Array.from({ length: 12 }, () => c.get('/Account?$top=1')));
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set([200]));
    const stats = await control(acu, 'GET', '/stats');
    assert.equal(stats.maxInFlight.acumatica, 2);
    assert.equal(stats.limitViolations, 0);
  } finally {
    await c.logout();
    await acu.stop();
  }
});

test('429 only when more than maxQueued wait, with the licence message; a forced-429 knob declines the next n', async () => {
  const { acu, c } = await openAcumatica({ seed: 15, concurrentRequests: 1, maxQueued: 3, latencyMs: 400 });
  try {
    const results = await Promise.all(Array.from({ length: 8 }, () => c.get('/Vendor?$top=1')));
    const declined = results.filter((r) => r.status === 429);
    assert.equal(results.filter((r) => r.status === 200).length, 4, 'one running and three queued');
    assert.equal(declined.length, 4);
    assert.equal(declined[0]!.body.message, 'The number of requests has exceeded the limit imposed by the license.');
    await control(acu, 'POST', '/licence', { force429: 2 });
    assert.equal((await c.get('/Vendor?$top=1')).status, 429);
    assert.equal((await c.get('/Vendor?$top=1')).status, 429);
    assert.equal((await c.get('/Vendor?$top=1')).status, 200);
    const stats = await control(acu, 'GET', '/stats');
    assert.equal(stats.rejections['acumatica.forced'], 2);
    assert.equal(stats.rejections['acumatica.queue-full'], 4);
  } finally {
    await acu.stop();
  }
});

test('a request queued longer than maxQueueWaitMs is declined with 429', async () => {
  const { acu, c } = await openAcumatica({ seed: 16, concurrentRequests: 1, maxQueueWaitMs: 40, latencyMs: 400 });
  try {
    const [first, second] = await Promise.all([c.get('/Vendor?$top=1'), c.get('/Vendor?$top=1')]);
    assert.equal(first.status, 200);
    assert.equal(second.status, 429);
  } finally {
    await acu.stop();
  }
});

test('past half the per-minute allowance each request is slowed by time left / requests left', async () => {
  const { acu, c } = await openAcumatica({ seed: 17, requestsPerMinute: 10, throttleDelayScale: 0.005 });
  try {
    await control(acu, 'POST', '/stats/reset');
    for (let i = 0; i < 4; i += 1) assert.equal((await c.get('/Account?$top=1')).status, 200);
    const slowStart = Date.now();
    // The 6th and later calls of the minute wait ~60 s / (10 - done) each, scaled by 0.005 (~50-75 ms).
    for (let i = 0; i < 3; i += 1) assert.equal((await c.get('/Account?$top=1')).status, 200);
    const slow = Date.now() - slowStart;
    assert.ok(slow >= 120, `slowed calls took ${slow} ms`);
    const stats = await control(acu, 'GET', '/stats');
    assert.equal(stats.rejections['acumatica.slowed'], 3, 'the sign-in and four calls were not slowed; the next three were');
    await control(acu, 'POST', '/clock', { advanceSeconds: 61 });
    await c.get('/Account?$top=1');
    assert.equal((await control(acu, 'GET', '/stats')).rejections['acumatica.slowed'], 3, 'a new minute is not slowed');
  } finally {
    await acu.stop();
  }
});

test('injected faults: 500 HttpError, forced session expiry mid-run (401 then a new login works), dropped connections', async () => {
  const { acu, c } = await openAcumatica({ seed: 18 });
  try {
    await control(acu, 'POST', '/faults', { script: [{ fault: 'server_error' }] });
    const err = await c.get('/Vendor?$top=1');
    assert.equal(err.status, 500);
    assert.equal(err.body.message, 'An error has occurred.');
    assert.ok(err.body.exceptionMessage);
    await control(acu, 'POST', '/faults', { expireAuthNow: true });
    assert.equal((await c.get('/Vendor?$top=1')).status, 401);
    await control(acu, 'POST', '/faults', {});
    const again = await AcuClient.open(acu);
    assert.equal((await again.get('/Vendor?$top=1')).status, 200);
    await control(acu, 'POST', '/faults', { script: [{ fault: 'unavailable' }] });
    const login503 = await login(acu);
    assert.equal(login503.status, 503, 'sign-in takes faults too');
    assert.equal(login503.headers.getSetCookie().length, 0);
    await control(acu, 'POST', '/faults', { script: [{ fault: 'drop' }] });
    await assert.rejects(again.get('/Vendor?$top=1'));
    assert.equal((await again.get('/Vendor?$top=1')).status, 200);
    await again.logout();
  } finally {
    await acu.stop();
  }
});
