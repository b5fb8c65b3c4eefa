import { createHash, randomBytes } from 'node:crypto';

/**
 * Runs an emulated app's real OAuth code flow over HTTP (authorize with PKCE and state, then the
 * token exchange with HTTP Basic client authentication), for tests and local runs that need a token
 * without a browser. Nothing is short-circuited: the emulator sees exactly what a connector's own
 * login would send.
 */
export interface OAuthTokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  token_type: string;
  scope: string;
}

export interface OAuthLoginTarget {
  authorizeUrl: string;
  tokenUrl: string;
  client: { clientId: string; clientSecret: string };
  scope: string;
  redirectUri?: string;
}

export async function oauthLogin(target: OAuthLoginTarget): Promise<OAuthTokens> {
  const { client } = target;
  const redirectUri = target.redirectUri ?? 'http://127.0.0.1:65535/callback';
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('hex');
  const authorize = new URL(target.authorizeUrl);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    scope: target.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const consent = await fetch(authorize, { redirect: 'manual' });
  const location = consent.headers.get('location');
  if (consent.status !== 302 || !location) throw new Error(`authorize answered ${consent.status}`);
  const back = new URL(location);
  const code = back.searchParams.get('code');
  if (!code || back.searchParams.get('state') !== state) throw new Error(`authorize redirected with ${back.search}`);
  const res = await fetch(target.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
  });
  if (res.status !== 200) throw new Error(`token exchange answered ${res.status}`);
  return (await res.json()) as OAuthTokens;
}
