import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QboClient, control, startQbo, tokenCall } from './qbo-helpers.ts';

test('the consent redirect names the company and the token answer has Intuit’s lifetimes', async () => {
  const { em, client } = await startQbo();
  try {
    const redirect = 'http://127.0.0.1:5999/cb';
    const url = new URL(em.urls.authorize);
    url.search = new URLSearchParams({ response_type: 'code', client_id: em.sandbox.clientId, redirect_uri: redirect, scope: 'com.intuit.quickbooks.accounting', state: 's1' }).toString();
    const consent = await fetch(url, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    assert.equal(back.searchParams.get('realmId'), em.sandbox.realmId);
    assert.equal(back.searchParams.get('state'), 's1');
    const exchanged = await tokenCall(em, { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: redirect });
    assert.equal(exchanged.status, 200);
    assert.equal(exchanged.body.expires_in, 3600);
    assert.equal(exchanged.body.x_refresh_token_expires_in, 8_640_000);
    assert.equal(exchanged.body.token_type, 'Bearer');

    const refreshed = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: client.refreshToken! });
    assert.equal(refreshed.status, 200);
    assert.notEqual(refreshed.body.refresh_token, client.refreshToken, 'the refresh token rotates');
  } finally {
    await em.stop();
  }
});

test('an expired access token is 401 Fault 3200 and another company is 403 Fault 3100', async () => {
  const { em, client } = await startQbo();
  try {
    const okRead = await client.call('GET', '/vendor/1');
    assert.ok(okRead.headers.get('intuit_tid'), 'every answer carries intuit_tid');
    const other = await client.call('GET', '/query?query=select%20*%20from%20Vendor', undefined, em.sandbox.otherRealmId);
    assert.equal(other.status, 403);
    assert.equal(other.body.Fault.Error[0].code, '3100');
    assert.equal(other.body.Fault.type, 'SERVICE');
    assert.match(other.body.time, /^\d{4}-\d{2}-\d{2}T/);

    await control(em, 'POST', '/clock', { advanceSeconds: 3601 });
    const expired = await client.query('select * from Vendor');
    assert.equal(expired.status, 401);
    assert.deepEqual(Object.keys(expired.body).sort(), ['Fault', 'time']);
    assert.deepEqual(expired.body.Fault.Error[0], { Message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', Detail: 'Token expired or invalid', code: '3200' });
    assert.equal(expired.body.Fault.type, 'AUTHENTICATION');

    const refreshed = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: client.refreshToken! });
    const renewed = new QboClient(em, refreshed.body.access_token, refreshed.body.refresh_token);
    assert.equal((await renewed.query('select count(*) from Vendor')).status, 200);
  } finally {
    await em.stop();
  }
});

test('a refresh token unused for 100 days dies; using it rolls the expiry', async () => {
  const { em, client } = await startQbo();
  try {
    await control(em, 'POST', '/clock', { advanceSeconds: 99 * 86_400 });
    const rolled = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: client.refreshToken! });
    assert.equal(rolled.status, 200);
    await control(em, 'POST', '/clock', { advanceSeconds: 99 * 86_400 });
    assert.equal((await tokenCall(em, { grant_type: 'refresh_token', refresh_token: rolled.body.refresh_token })).status, 200);
    await control(em, 'POST', '/clock', { advanceSeconds: 101 * 86_400 });
    const dead = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: rolled.body.refresh_token });
    assert.equal(dead.status, 400);
    assert.equal(dead.body.error, 'invalid_grant');
  } finally {
    await em.stop();
  }
});

test('the user disconnecting the app ends the access and refresh tokens', async () => {
  const { em, client } = await startQbo();
  try {
    assert.equal((await client.query('select * from Vendor')).status, 200);
    const off = await control(em, 'POST', '/disconnect', {});
    assert.equal(off.body.grantsEnded, 1);
    const refused = await client.query('select * from Vendor');
    assert.equal(refused.status, 401);
    assert.equal(refused.body.Fault.Error[0].code, '3200');
    const refresh = await tokenCall(em, { grant_type: 'refresh_token', refresh_token: client.refreshToken! });
    assert.equal(refresh.body.error, 'invalid_grant');
    // Connecting again works.
    const again = await QboClient.open(em);
    assert.equal((await again.query('select * from Vendor')).status, 200);
  } finally {
    await em.stop();
  }
});

test('revocation ends the grant', async () => {
  const { em, client } = await startQbo();
  try {
    const r = await fetch(em.urls.revoke, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${em.sandbox.clientId}:${em.sandbox.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: client.refreshToken! }).toString(),
    });
    assert.equal(r.status, 200);
    assert.equal((await client.query('select * from Vendor')).status, 401);
  } finally {
    await em.stop();
  }
});

test('the user can connect the app to the second company; each token reaches only its own', async () => {
  const { em, client } = await startQbo();
  try {
    await control(em, 'POST', '/consent-company', { realmId: em.sandbox.otherRealmId });
    const tokens = await em.login();
    const other = new QboClient(em, tokens.access_token, tokens.refresh_token);
    other.realmId = em.sandbox.otherRealmId;
    assert.equal((await other.query('select count(*) from Vendor')).status, 200);
    assert.equal((await other.call('GET', '/query?query=select%20*%20from%20Vendor', undefined, em.sandbox.realmId)).status, 403);
    assert.equal((await client.query('select count(*) from Vendor')).status, 200);
    assert.equal((await control(em, 'POST', '/consent-company', { realmId: 'nope' })).status, 400);
  } finally {
    await em.stop();
  }
});
