/**
 * The dashboard's HTTP contract through fastify's inject: sign-in, cookie attributes, CSRF and
 * origin checks, escaping of vendor text, skip with its audit event, logout and token rotation.
 * The browser test (dashboard-browser.test.ts) covers the pages as a person uses them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditTrail } from '../../src/store/repos/audit.ts';
import { markNeedsReconnect } from '../../src/store/repos/connections.ts';
import { saveOutcomes } from '../../src/store/repos/records.ts';
import { finishRun, startRun, updateProgress } from '../../src/store/repos/runs.ts';
import { openDashboardFixture, type DashboardFixture } from './fixture.ts';

let fx: DashboardFixture;

const inject = (options: { method?: 'GET' | 'POST'; url: string; cookie?: string; form?: Record<string, string>; headers?: Record<string, string> }) =>
  fx.app.inject({
    method: options.method ?? 'GET',
    url: `${fx.prefix}${options.url}`,
    headers: {
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...options.headers,
    },
    ...(options.form ? { payload: new URLSearchParams(options.form).toString() } : {}),
  });

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const res = await inject({ method: 'POST', url: '/login', form: { token: fx.apiToken, next: `${fx.prefix}/` } });
  assert.equal(res.statusCode, 303);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  const page = await inject({ url: '/', cookie });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(csrf, 'the overview carries the session CSRF token in its forms');
  return { cookie, csrf };
}

describe('dashboard over HTTP', () => {
  before(async () => {
    fx = await openDashboardFixture({ mode: 'plugin', settings: { accountPolicy: 'error' } });
  });
  after(async () => {
    await fx?.close();
  });

  test('pages need a session: HTML redirects to sign-in, JSON answers 401, assets are public and revalidate', async () => {
    const page = await inject({ url: '/records?status=failed' });
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, `${fx.prefix}/login?next=%2Fdashboard%2Frecords%3Fstatus%3Dfailed`);
    assert.equal((await inject({ url: '/activity.json' })).statusCode, 401);
    const css = await inject({ url: '/assets/dashboard.css' });
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
    assert.equal((await inject({ url: '/assets/dashboard.css', headers: { 'if-none-match': String(css.headers.etag) } })).statusCode, 304);
  });

  test('a wrong token is refused without a cookie and without echoing it', async () => {
    const res = await inject({ method: 'POST', url: '/login', form: { token: 'not-the-token-123', next: `${fx.prefix}/` } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['set-cookie'], undefined);
    assert.match(res.body, /That token is not right/);
    assert.doesNotMatch(res.body, /not-the-token-123/);
  });

  test('the right token gives an HttpOnly SameSite=Strict session cookie, stored only as a hash, and never the token', async () => {
    const res = await inject({ method: 'POST', url: '/login', form: { token: fx.apiToken, next: 'https://elsewhere.example/' } });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${fx.prefix}/`, 'a foreign next URL is not followed');
    const setCookie = String(res.headers['set-cookie']);
    assert.match(setCookie, /^mlc_session=[A-Za-z0-9_-]{43}; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const id = /^mlc_session=([^;]+)/.exec(setCookie)![1]!;
    const { rows } = await fx.db.query<{ key: string; value: unknown }>("select key, value from kv where key like 'dashboard-session:%'");
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((r) => !r.key.includes(id) && !JSON.stringify(r.value).includes(id) && !JSON.stringify(r.value).includes(fx.apiToken)));
    const overview = await inject({ url: '/', cookie: `mlc_session=${id}` });
    assert.equal(overview.statusCode, 200);
    assert.match(String(overview.headers['content-security-policy']), /script-src 'self'/);
    assert.doesNotMatch(overview.body, new RegExp(fx.apiToken));
    const again = await inject({ url: '/login', cookie: `mlc_session=${id}` });
    assert.equal(again.statusCode, 303, 'a signed-in browser is not asked for the token again');
    assert.equal(again.headers.location, `${fx.prefix}/`);
  });

  test('POST forms need the session CSRF token and a same-site origin; with both, Sync now queues a manual sync the worker runs', async () => {
    const { cookie, csrf } = await signIn();
    assert.equal((await inject({ method: 'POST', url: '/links/main/sync', cookie, form: {} })).statusCode, 403);
    assert.equal((await inject({ method: 'POST', url: '/links/main/sync', cookie, form: { _csrf: `${csrf}x` } })).statusCode, 403);
    const crossSite = await inject({ method: 'POST', url: '/links/main/sync', cookie, form: { _csrf: csrf }, headers: { origin: 'https://attacker.example' } });
    assert.equal(crossSite.statusCode, 403);
    assert.equal(fx.done.length, 0, 'refused posts queued nothing');
    const ok = await inject({ method: 'POST', url: '/links/main/sync', cookie, form: { _csrf: csrf } });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, `${fx.prefix}/?notice=sync-queued`);
    const deadline = Date.now() + 60_000;
    while (!fx.done.some((w) => w.kind === 'sync' && w.reason === 'manual') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(fx.done[0], { kind: 'sync', link: 'main', reason: 'manual' });
    const { rows } = await fx.db.query<{ status: string }>("select status from runs where link = 'main' and kind = 'sync'");
    assert.equal(rows.length, 1);
  });

  test('a successful sync is the last success of both connections, not only ping or connect', async () => {
    const { cookie, csrf } = await signIn();
    await fx.db.query("update connections set last_success_at = '2020-01-02 03:04:00+00'");
    const before = await inject({ url: '/', cookie });
    assert.equal((before.body.match(/2020-01-02 03:04 UTC/g) ?? []).length, 2, 'both connections show the old success');
    const runs = fx.done.length;
    assert.equal((await inject({ method: 'POST', url: '/links/main/sync', cookie, form: { _csrf: csrf } })).statusCode, 303);
    const deadline = Date.now() + 60_000;
    while (fx.done.length === runs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const { rows } = await fx.db.query<{ status: string; finished_at: string }>("select status, finished_at::text as finished_at from runs order by started_at desc limit 1");
    assert.match(rows[0]!.status, /^(succeeded|partial)$/);
    const shown = await inject({ url: '/', cookie });
    assert.doesNotMatch(shown.body, /2020-01-02 03:04 UTC/);
    const { rows: connections } = await fx.db.query<{ id: string; last: string }>('select id, last_success_at::text as last from connections order by id');
    assert.equal(connections.length, 2);
    for (const c of connections) assert.ok(Date.parse(c.last.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')) >= Date.parse(rows[0]!.finished_at.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')) - 1000, `${c.id} succeeded when the run ended`);
  });

  test('vendor text is escaped, and Skip marks a failed record skipped with an audit event, once', async () => {
    const { cookie, csrf } = await signIn();
    await saveOutcomes(fx.db, 'main', 'run_test', [{
      entity: 'bill', sourceSystem: 'xero', sourceId: 'xss-1', label: '<script>alert(1)</script>', status: 'failed',
      reason: 'bad', errorCode: 'MLC_ERR_VALIDATION', errorMessage: '<img src=x onerror=alert(2)>', targetId: null,
    }]);
    const list = await inject({ url: '/records?status=failed&entity=bill&system=xero', cookie });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(list.body, /<script>alert|<img src=x/);
    assert.match(list.body, /The other system rejected this record as invalid\./);

    const form = { _csrf: csrf, link: 'main', entity: 'bill', id: 'xss-1', back: `${fx.prefix}/records?status=failed` };
    const skipped = await inject({ method: 'POST', url: '/records/skip', cookie, form });
    assert.equal(skipped.headers.location, `${fx.prefix}/records?status=failed&notice=skipped`);
    const { rows } = await fx.db.query<{ status: string; reason: string }>("select status, reason from records where source_id = 'xss-1'");
    assert.deepEqual(rows[0], { status: 'skipped', reason: 'skipped by a person from the dashboard' });
    const trail = await auditTrail(fx.db, 'xss-1', 'main');
    assert.deepEqual(trail.map((e) => [e.step, e.outcome, e.run_id, e.message]), [['skipped', 'skipped', null, 'skipped by a person from the dashboard']]);
    const again = await inject({ method: 'POST', url: '/records/skip', cookie, form: { ...form, back: 'https://elsewhere.example/' } });
    assert.equal(again.headers.location, `${fx.prefix}/records?notice=not-skipped`, 'a second skip changes nothing and a foreign back URL is not followed');
    assert.equal((await auditTrail(fx.db, 'xss-1', 'main')).length, 1);
  });

  test('logout ends the session for good, and rotating the API token ends every session', async () => {
    const first = await signIn();
    const out = await inject({ method: 'POST', url: '/logout', cookie: first.cookie, form: { _csrf: first.csrf } });
    assert.equal(out.statusCode, 303);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    assert.equal((await inject({ url: '/', cookie: first.cookie })).statusCode, 303);

    const second = await signIn();
    const token = fx.services.apiToken;
    fx.services.apiToken = `${token}-rotated`;
    try {
      assert.equal((await inject({ url: '/', cookie: second.cookie })).statusCode, 303);
    } finally {
      fx.services.apiToken = token;
    }
  });

  test('activity.json reports running work with its progress, and its signature changes when the run ends', async () => {
    const { cookie } = await signIn();
    const runId = await startRun(fx.db, 'main', 'sync', false);
    await updateProgress(fx.db, runId, { step: 'bills', done: 5, note: '5 of 9 bills' });
    const during = JSON.parse((await inject({ url: '/activity.json', cookie })).body);
    assert.deepEqual(during.running.map(({ eta: _eta, ...r }: { eta: string }) => r), [{ id: runId, link: 'main', kind: 'sync', progress: 'bills · 5 done · 5 of 9 bills' }]);
    // Its progress carries no ETA of its own yet: it is estimated from the link's previous sync, starting now.
    assert.match(during.running[0].eta, /^(first )?sync ≈ \d+ (s|min) left \(until about \d\d:\d\d UTC\)/);
    const overview = await inject({ url: '/', cookie });
    assert.match(overview.body, /<span class="muted eta">(first )?sync ≈ \d+ (s|min) left \(until about \d\d:\d\d UTC\)/, 'the overview shows the ETA beside the running sync');
    assert.match(overview.body, new RegExp(`data-signature="${during.signature}" data-busy="1"`));
    await finishRun(fx.db, runId, { status: 'succeeded', counts: {} });
    const afterwards = JSON.parse((await inject({ url: '/activity.json', cookie })).body);
    assert.deepEqual(afterwards.running, []);
    assert.notEqual(afterwards.signature, during.signature);
  });

  test('a connection that needs reconnecting shows as such on the overview, with its reason', async () => {
    const { cookie } = await signIn();
    await markNeedsReconnect(fx.db, 'xero', 'The refresh token was revoked in Xero.');
    const overview = await inject({ url: '/', cookie });
    assert.match(overview.body, /status-needs_reconnect">reconnect needed</);
    assert.match(overview.body, /The refresh token was revoked in Xero\. Connect the account again with <code>ml-connector connect xero<\/code>/);
  });
});
