import { createHash, randomBytes } from 'node:crypto';

/**
 * Runs the sandbox app's real OAuth flow over HTTP (authorize with PKCE, then the token exchange),
 * for tests and local runs that need a token without a browser. Nothing is short-circuited: the
 * emulator sees exactly what a connector's own login would send.
 */
export interface SandboxTokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  token_type: string;
  scope: string;
}

export const DEFAULT_SCOPE = 'openid profile email offline_access accounting.transactions accounting.contacts accounting.settings';

export async function sandboxLogin(
  base: string,
  client: { clientId: string; clientSecret: string },
  opts: { scope?: string; redirectUri?: string } = {},
): Promise<SandboxTokens> {
  const redirectUri = opts.redirectUri ?? 'http://127.0.0.1:65535/callback';
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('hex');
  const authorize = new URL(`${base}/identity/connect/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    scope: opts.scope ?? DEFAULT_SCOPE,
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
  const res = await fetch(`${base}/connect/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
  });
  if (res.status !== 200) throw new Error(`token exchange answered ${res.status}`);
  return (await res.json()) as SandboxTokens;
}
