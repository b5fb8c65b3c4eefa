import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XeroClient, advance, control, openXero, type Res } from './xero-helpers.ts';

function assertLimitHeaders(r: Res): void {
  for (const h of ['x-minlimit-remaining', 'x-daylimit-remaining', 'x-appminlimit-remaining']) {
    assert.match(r.headers.get(h) ?? '', /^\d+$/, `${h} on a ${r.status}`);
  }
}

test('minute limit: 60 calls per tenant, the 61st gets 429 minute with Retry-After; the window resets', async () => {
  const { em, c } = await openXero();
  try {
    for (let i = 0; i < 60; i += 1) {
      const r = await c.get('/Organisation');
      assert.equal(r.status, 200);
      assertLimitHeaders(r);
      assert.equal(r.headers.get('x-minlimit-remaining'), String(59 - i));
    }
    const refused = await c.get('/Organisation');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-rate-limit-problem'), 'minute');
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1 && Number(refused.headers.get('retry-after')) <= 60);
    assert.equal(refused.headers.get('x-minlimit-remaining'), '0');
    assertLimitHeaders(refused);
    // The other tenant has its own window.
    c.tenantId = em.tenantIds.secondary;
    assert.equal((await c.get('/Organisation')).status, 200);
    c.tenantId = em.tenantIds.primary;
    await advance(em, 60);
    const after = await c.get('/Organisation');
    assert.equal(after.status, 200);
    assert.equal(after.headers.get('x-minlimit-remaining'), '59');
    const stats = (await control(em, 'GET', '/stats')).body;
    assert.equal(stats.rejections['xero.minute'], 1);
    assert.equal(stats.callsByEndpoint['GET /api.xro/2.0/Organisation'], 63);
  } finally {
    await em.stop();
  }
});

test('day limit (dailyLimit option): 429 day with Retry-After until the 24-hour window ends', async () => {
  const { em, c } = await openXero({ dailyLimit: 3 });
  try {
    for (let i = 0; i < 3; i += 1) assert.equal((await c.get('/Organisation')).status, 200);
    const refused = await c.get('/Organisation');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-rate-limit-problem'), 'day');
    assert.equal(refused.headers.get('x-daylimit-remaining'), '0');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 86_000 && retryAfter <= 86_400, `Retry-After ${retryAfter}`);
    await advance(em, 86_400);
    // The access token expired meanwhile: a fresh login, then the day window is new.
    const fresh = await XeroClient.open(em);
    const ok = await fresh.get('/Organisation');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-daylimit-remaining'), '2');
    assert.equal((await control(em, 'GET', '/stats')).body.rejections['xero.day'], 1);
  } finally {
    await em.stop();
  }
});

test('app-wide minute limit counts every tenant and answers 429 appminute', async () => {
  const { em, c } = await openXero({ appMinuteLimit: 3 });
  try {
    assert.equal((await c.get('/Organisation')).status, 200);
    assert.equal((await c.get('/Organisation')).status, 200);
    c.tenantId = em.tenantIds.secondary;
    const third = await c.get('/Organisation');
    assert.equal(third.status, 200);
    assert.equal(third.headers.get('x-appminlimit-remaining'), '0');
    assert.equal(third.headers.get('x-minlimit-remaining'), '59');
    const refused = await c.get('/Organisation');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-rate-limit-problem'), 'appminute');
    assertLimitHeaders(refused);
    assert.equal((await control(em, 'GET', '/stats')).body.rejections['xero.appminute'], 1);
  } finally {
    await em.stop();
  }
});

test('concurrency: requests over 5 in flight are refused at once with 429 concurrent (latency counts as in flight)', async () => {
  const { em, c } = await openXero({ latencyMs: 150 });
  try {
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 8 }, () => c.get('/Organisation')));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(ok.length, 5);
    assert.equal(refused.length, 3);
    for (const r of refused) {
      assert.equal(r.headers.get('x-rate-limit-problem'), 'concurrent');
      assert.equal(r.headers.get('retry-after'), null);
      assertLimitHeaders(r);
    }
    assert.ok(Date.now() - started < 1000, 'refusals are immediate, not queued');
    const stats = (await control(em, 'GET', '/stats')).body;
    assert.equal(stats.maxInFlight[`xero:${em.tenantIds.primary}`], 5);
    assert.equal(stats.rejections['xero.concurrent'], 3);
  } finally {
    await em.stop();
  }
});

test('50 concurrent clients never get more than 5 in flight per tenant, and every refusal is counted', async () => {
  const { em, c } = await openXero({ latencyMs: 20 });
  try {
    await control(em, 'POST', '/stats/reset');
    let successes = 0;
    let refusals = 0;
    let calls = 0;
    // 50 clients each want one answer; refused ones retry after a short pause. 50 + retries stay
    // under 60 a minute only if few retry, so the minute window is moved on when it fills.
    const worker = async (n: number) => {
      for (;;) {
        calls += 1;
        const r = await c.get('/Organisation');
        if (r.status === 200) {
          successes += 1;
          return;
        }
        assert.equal(r.status, 429);
        const problem = r.headers.get('x-rate-limit-problem');
        assert.ok(problem === 'concurrent' || problem === 'minute', String(problem));
        refusals += 1;
        if (problem === 'minute') await advance(em, 60);
        await new Promise((res) => setTimeout(res, 5 + ((n * 7) % 25)));
      }
    };
    await Promise.all(Array.from({ length: 50 }, (_, n) => worker(n)));
    const stats = (await control(em, 'GET', '/stats')).body;
    const scope = `xero:${em.tenantIds.primary}`;
    assert.equal(successes, 50);
    assert.ok(refusals > 0, 'the gate refused some requests');
    assert.equal(stats.maxInFlight[scope], 5);
    const rejected = (stats.rejections['xero.concurrent'] ?? 0) + (stats.rejections['xero.minute'] ?? 0);
    assert.equal(rejected, refusals);
    assert.equal(stats.limitViolations, 0);
    assert.equal(stats.callsByEndpoint['GET /api.xro/2.0/Organisation'], calls);
    assert.equal(stats.inFlight[scope], 0);
  } finally {
    await em.stop();
  }
});

test('limits are per app and tenant: another app on the same organisation has its own minute allowance', async () => {
  const { em, c } = await openXero({ seed: 61 });
  try {
    const tenant = em.tenantIds.primary;
    for (let i = 0; i < 60; i++) assert.equal((await c.get('/Organisation')).status, 200);
    const refused = await c.get('/Organisation');
    assert.equal(refused.status, 429, 'the sandbox app has spent its minute');
    const other = await em.otherApp('Bookkeeper tools');
    const res = await fetch(`${em.urls.api}/Organisation`, { headers: { authorization: `Bearer ${other.tokens.access_token}`, 'xero-tenant-id': tenant, accept: 'application/json' } });
    assert.equal(res.status, 200, 'another app is not held by the sandbox app\u2019s allowance');
    assert.equal(res.headers.get('x-minlimit-remaining'), '59');
    await res.arrayBuffer();
    assert.equal(em.ctx.stats.snapshot().maxInFlight[`xero:${tenant}@${other.clientId}`], 1, 'its calls are counted under their own scope');
  } finally {
    await em.stop();
  }
});
