import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError } from '../core/errors.ts';
import { XeroOAuth, type XeroCredentials, type XeroUrls } from '../systems/xero/auth.ts';
import type { XeroConnection } from '../systems/xero/schema.ts';

export interface XeroConsent {
  credentials: XeroCredentials;
  tenants: XeroConnection[];
}

/**
 * The OAuth 2.0 authorization-code flow with PKCE and state through a one-shot callback server on
 * loopback (https://developer.xero.com/documentation/oauth2/pkce-flow). `onUrl` receives the URL the
 * user opens; the callback checks state before exchanging the code. Times out after `timeoutMs`.
 */
export async function runXeroConsent(options: {
  clientId: string;
  clientSecret?: string | undefined;
  urls: XeroUrls;
  scopes?: readonly string[];
  callbackPort?: number;
  timeoutMs?: number;
  onUrl(url: string): void | Promise<void>;
  /**
   * Redirect addresses pasted by a person whose browser is on another machine (a server, SSH):
   * the browser fails to reach 127.0.0.1 there, but the address it was sent to carries the code
   * and state, which complete the flow exactly as the callback would.
   */
  pasted?: AsyncIterable<string>;
}): Promise<XeroConsent> {
  const oauth = new XeroOAuth({ clientId: options.clientId, clientSecret: options.clientSecret, urls: options.urls });
  let server: Server | null = null;
  try {
    const result = await new Promise<XeroConsent>((resolve, reject) => {
      let pending: { state: string; codeVerifier: string; redirectUri: string } | null = null;
      let settled = false;
      const complete = (url: URL, finish: (status: number, text: string) => void) => {
        if (settled || !pending) return finish(409, 'This connection attempt is already complete.');
        const error = url.searchParams.get('error');
        if (error) {
          settled = true;
          finish(400, `Xero refused the connection: ${error}. You can close this window.`);
          reject(new ConnectorError({ code: 'MLC_ERR_RECONNECT_NEEDED', system: 'xero', message: `Xero answered '${error}' at consent` }));
          return;
        }
        if (url.searchParams.get('state') !== pending.state) return finish(400, 'This address belongs to another connection attempt.');
        settled = true;
        const expected = pending;
        oauth
          .exchangeCode({ code: url.searchParams.get('code') ?? '', state: url.searchParams.get('state'), expectedState: expected.state, redirectUri: expected.redirectUri, codeVerifier: expected.codeVerifier })
          .then(async (credentials) => {
            const tenants = await oauth.listConnections(credentials.accessToken);
            finish(200, 'ml-connector is connected to Xero. You can close this window.');
            resolve({ credentials, tenants });
          })
          .catch((e: unknown) => {
            finish(400, 'The connection could not be completed; see the terminal.');
            reject(e);
          });
      };
      server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (url.pathname !== '/callback' || !pending) {
          res.writeHead(404).end();
          return;
        }
        complete(url, (status, text) => res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text));
      });
      if (options.pasted) {
        const lines = options.pasted;
        void (async () => {
          for await (const line of lines) {
            if (settled) break;
            const text = line.trim();
            if (!/^https?:\/\/\S+[?&]state=/.test(text)) continue;
            complete(new URL(text), () => undefined);
          }
        })().catch(() => undefined);
      }
      server.listen(options.callbackPort ?? 0, '127.0.0.1', () => {
        const port = (server!.address() as AddressInfo).port;
        const redirectUri = `http://127.0.0.1:${port}/callback`;
        const built = oauth.buildAuthorizeUrl({ redirectUri, ...(options.scopes ? { scopes: options.scopes } : {}) });
        pending = { state: built.state, codeVerifier: built.codeVerifier, redirectUri };
        Promise.resolve(options.onUrl(built.url)).catch(reject);
      });
      setTimeout(() => reject(new ConnectorError({ code: 'MLC_ERR_TIMEOUT', system: 'xero', message: 'nobody completed the Xero consent in time; run the command again' })), options.timeoutMs ?? 300_000).unref();
    });
    return result;
  } finally {
    (server as Server | null)?.close();
  }
}
