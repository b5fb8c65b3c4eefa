import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAcumaticaEmulator, type AcumaticaEmulator } from '../../src/emulators/acumatica/index.ts';
import { AcuClient, control, login, toRes } from './acumatica-helpers.ts';

let acu: AcumaticaEmulator;
before(async () => {
  acu = await startAcumaticaEmulator({ seed: 11, tenants: ['Company', 'Subsidiary'], apiUsers: 2 });
});
after(async () => acu.stop());

test('GET /entity lists the Default endpoint versions without signing in', async () => {
  const res = await toRes(await fetch(acu.urls.entity));
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.endpoints, [{ name: 'Default', version: '24.200.001', href: `${acu.urls.base}/entity/Default/24.200.001/` }]);
  assert.ok(res.body.version.acumaticaBuildVersion);
});

test('login answers 204 with session cookies; calls without them are 401 HttpError; logout ends the session and frees its licence seat', async () => {
  const res = await login(acu);
  assert.equal(res.status, 204);
  const cookies = res.headers.getSetCookie().map((c) => c.split('=')[0]);
  assert.deepEqual(cookies, ['.ASPXAUTH', 'ASP.NET_SessionId', 'CompanyID', 'UserBranch']);
  const anonymous = await new AcuClient(acu, {}).get('/Vendor?$top=1');
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.message, 'You are not logged in.');
  const c = new AcuClient(acu, { cookie: res.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ') });
  assert.equal((await c.get('/Vendor?$top=1')).status, 200);
  assert.equal((await c.logout()).status, 204);
  assert.equal((await c.get('/Vendor?$top=1')).status, 401);
});

test('a wrong endpoint version, an unknown entity and the Branch entity (not in Default/24.200.001) are 404, signed in or not', async () => {
  const c = await AcuClient.open(acu);
  try {
    for (const path of [`${acu.urls.base}/entity/Default/23.200.001/Vendor`, `${acu.urls.base}/entity/Default/25.200.001/Bill`, `${acu.urls.endpoint}/Branch`, `${acu.urls.endpoint}/Widget`]) {
      const res = await c.get(path);
      assert.equal(res.status, 404, path);
      assert.match(res.body.message, /No HTTP resource was found/);
      assert.equal((await new AcuClient(acu, {}).get(path)).status, 404);
    }
  } finally {
    await c.logout();
  }
});

test('bad credentials are refused; the older `company` field (2024 R2 examples) names the tenant as `tenant` does', async () => {
  const bad = await login(acu, { password: 'wrong' });
  assert.equal(bad.status, 500);
  assert.equal(bad.body.exceptionMessage, 'Invalid credentials. Please try again.');
  assert.equal(bad.headers.getSetCookie().length, 0);
  const c = await AcuClient.open(acu, { tenant: undefined, company: 'Subsidiary' });
  assert.equal((await c.get('/Vendor?$top=1')).status, 200);
  await c.logout();
});

test('a session idle for 20 minutes on the emulator clock is over (401); each accepted call slides the timer', async () => {
  const c = await AcuClient.open(acu);
  await control(acu, 'POST', '/clock', { advanceSeconds: 15 * 60 });
  assert.equal((await c.get('/Account?$top=1')).status, 200);
  await control(acu, 'POST', '/clock', { advanceSeconds: 15 * 60 });
  assert.equal((await c.get('/Account?$top=1')).status, 200, '15 minutes after the last call: still live');
  await control(acu, 'POST', '/clock', { advanceSeconds: 21 * 60 });
  const res = await c.get('/Account?$top=1');
  assert.equal(res.status, 401);
});

test('the API-user cap: sessions not logged out keep their seats until they idle out; the next login gets API Login Limit', async () => {
  await control(acu, 'POST', '/sessions/expire');
  const one = await AcuClient.open(acu);
  await AcuClient.open(acu, { tenant: 'Subsidiary' });
  const third = await login(acu);
  assert.equal(third.status, 429);
  assert.match(third.body.message, /^API Login Limit/);
  assert.equal((await one.logout()).status, 204);
  const fourth = await AcuClient.open(acu);
  assert.equal((await fourth.get('/Vendor?$top=1')).status, 200, 'a logout frees a seat');
  assert.equal((await login(acu)).status, 429);
  await control(acu, 'POST', '/clock', { advanceSeconds: 21 * 60 });
  assert.equal((await login(acu)).status, 204, 'idle sessions free their seats');
  await control(acu, 'POST', '/sessions/expire');
});

test('tenants are apart: each session sees its own tenant; several instances each have their own base URL', async () => {
  await control(acu, 'POST', '/sessions/expire');
  const a = await AcuClient.open(acu);
  const b = await AcuClient.open(acu, { tenant: 'Subsidiary' });
  const created = await a.put('/Vendor', { VendorID: { value: 'ONLYA' }, VendorName: { value: 'Only in Company' } });
  assert.equal(created.status, 200);
  assert.equal((await a.get('/Vendor/ONLYA')).status, 200);
  assert.equal((await b.get('/Vendor/ONLYA')).status, 404);
  await a.logout();
  await b.logout();
  const other = await startAcumaticaEmulator({ seed: 11 });
  try {
    assert.notEqual(other.urls.base, acu.urls.base);
    const c = await AcuClient.open(other);
    assert.equal((await c.get('/Vendor/ONLYA')).status, 404);
  } finally {
    await other.stop();
  }
});

async function token(form: Record<string, string>) {
  return toRes(await fetch(acu.urls.token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() }));
}

test('OAuth 2.0: password grant with a GUID@Tenant client, 3600 s Bearer tokens, rotating refresh tokens (the old one refused), expiry on the clock', async () => {
  const { clientId, clientSecret, name, password } = acu.sandbox;
  assert.match(clientId, /^[0-9A-F-]{36}@Company$/);
  const bad = await token({ grant_type: 'password', client_id: clientId, client_secret: 'nope', username: name, password, scope: 'api offline_access' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'invalid_client');
  const first = await token({ grant_type: 'password', client_id: clientId, client_secret: clientSecret, username: name, password, scope: 'api offline_access' });
  assert.equal(first.status, 200);
  assert.equal(first.body.expires_in, 3600);
  assert.equal(first.body.token_type, 'Bearer');
  const c = new AcuClient(acu, { bearer: first.body.access_token });
  assert.equal((await c.get('/Vendor?$top=1')).status, 200);
  const second = await token({ grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret, refresh_token: first.body.refresh_token });
  assert.equal(second.status, 200);
  assert.notEqual(second.body.refresh_token, first.body.refresh_token);
  const reused = await token({ grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret, refresh_token: first.body.refresh_token });
  assert.equal(reused.status, 400);
  assert.equal(reused.body.error, 'invalid_grant');
  await control(acu, 'POST', '/clock', { advanceSeconds: 3601 });
  assert.equal((await new AcuClient(acu, { bearer: second.body.access_token }).get('/Vendor?$top=1')).status, 401);
  const apiOnly = await token({ grant_type: 'password', client_id: clientId, client_secret: clientSecret, username: name, password, scope: 'api' });
  assert.equal(apiOnly.body.refresh_token, undefined, 'no refresh token without offline_access');
  const wrongTenantUser = await token({ grant_type: 'password', client_id: acu.sandbox.oauthClients.Subsidiary!, client_secret: clientSecret, username: name, password: 'wrong', scope: 'api' });
  assert.equal(wrongTenantUser.body.error, 'invalid_grant');
});

test('OAuth 2.0 code flow: the authorize page consents for the tenant of the client id; the code gives a Bearer token for that tenant', async () => {
  const clientId = acu.sandbox.oauthClients.Subsidiary!;
  const redirect = 'http://127.0.0.1:9/callback';
  const url = `${acu.urls.base}/identity/connect/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirect, scope: 'api offline_access', state: 's1' })}`;
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302);
  const back = new URL(res.headers.get('location')!);
  assert.equal(back.searchParams.get('state'), 's1');
  const code = back.searchParams.get('code')!;
  const tok = await token({ grant_type: 'authorization_code', client_id: clientId, client_secret: acu.sandbox.clientSecret, code, redirect_uri: redirect });
  assert.equal(tok.status, 200);
  const c = new AcuClient(acu, { bearer: tok.body.access_token });
  const mine = await c.put('/Vendor', { VendorID: { value: 'ONLYSUB' }, VendorName: { value: 'Only in Subsidiary' } });
  assert.equal(mine.status, 200);
  assert.equal((await token({ grant_type: 'authorization_code', client_id: clientId, client_secret: acu.sandbox.clientSecret, code, redirect_uri: redirect })).body.error, 'invalid_grant', 'a code is single-use');
  await control(acu, 'POST', '/sessions/expire');
  const company = await AcuClient.open(acu);
  assert.equal((await company.get('/Vendor/ONLYSUB')).status, 404);
  await company.logout();
});

test('with oauthHoldsSeats an OAuth grant takes a licence seat at its first call, keeps it across calls and refreshes, and loses it to the cap once idle', async () => {
  const one = await startAcumaticaEmulator({ seed: 11, apiUsers: 1, oauthHoldsSeats: true });
  try {
    const form = { grant_type: 'password', client_id: one.sandbox.clientId, client_secret: one.sandbox.clientSecret, username: one.sandbox.name, password: one.sandbox.password, scope: 'api offline_access' };
    const tok = await toRes(await fetch(one.urls.token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() }));
    const bearer = new AcuClient(one, { bearer: tok.body.access_token });
    assert.equal((await bearer.get('/Vendor?$top=1')).status, 200);
    assert.equal((await bearer.get('/Vendor?$top=1')).status, 200, 'the same seat');
    const cookieLogin = await login(one);
    assert.equal(cookieLogin.status, 429, 'the grant holds the only seat');
    await control(one, 'POST', '/clock', { advanceSeconds: 21 * 60 });
    const c = await AcuClient.open(one);
    const refused = await bearer.get('/Vendor?$top=1');
    assert.equal(refused.status, 429);
    assert.match(refused.body.message, /^API Login Limit/);
    await c.logout();
    assert.equal((await bearer.get('/Vendor?$top=1')).status, 200, 'a freed seat is taken again');
  } finally {
    await one.stop();
  }
});

test('the registry definition starts an instance and describes its URLs and sign-in values', async () => {
  const { acumaticaEmulator } = await import('../../src/emulators/acumatica/index.ts');
  assert.equal(acumaticaEmulator.id, 'acumatica');
  const started = await acumaticaEmulator.start({ seed: 5 });
  try {
    const described = acumaticaEmulator.describe(started) as { base: string; endpoint: string; control: string; sandbox: { tenant: string; clientId: string } };
    assert.equal(described.endpoint, `${described.base}/entity/Default/24.200.001`);
    assert.equal(described.control, `${described.base}/_emulator`);
    assert.equal(described.sandbox.tenant, 'Company');
    assert.equal((await fetch(`${described.base}/entity`)).status, 200);
  } finally {
    await started.stop();
  }
});

test('an instance configured with two versions lists and serves both, and still refuses a third', async () => {
  const two = await startAcumaticaEmulator({ seed: 6, versions: ['23.200.001', '24.200.001'] });
  try {
    const listed = await toRes(await fetch(two.urls.entity));
    assert.deepEqual(listed.body.endpoints.map((e: { version: string }) => e.version), ['23.200.001', '24.200.001']);
    const c = await AcuClient.open(two);
    assert.equal((await c.get(`${two.urls.base}/entity/Default/23.200.001/Vendor?$top=1`)).status, 200);
    assert.equal((await c.get(`${two.urls.base}/entity/Default/24.200.001/Vendor?$top=1`)).status, 200);
    assert.equal((await c.get(`${two.urls.base}/entity/Default/25.200.001/Vendor?$top=1`)).status, 404);
    await c.logout();
  } finally {
    await two.stop();
  }
});
