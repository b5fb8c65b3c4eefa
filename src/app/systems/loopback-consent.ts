import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { SystemId } from '../../systems/types.ts';
import type { OAuthApp, OAuthCodeFlow, OAuthGrant } from './connect-flow.ts';

export interface LoopbackConsentOptions {
  system: SystemId;
  displayName: string;
  flow: OAuthCodeFlow;
  app: OAuthApp;
  callbackPort?: number;
  timeoutMs?: number;
  log?: Logger;
  onUrl(url: string): void | Promise<void>;
  /**
   * Redirect addresses pasted by a person whose browser is on another machine (a server, SSH):
   * the browser fails to reach 127.0.0.1 there, but the address it was sent to carries the code
   * and state, which complete the flow exactly as the callback would.
   */
  pasted?: AsyncIterable<string>;
}

/**
 * The OAuth 2.0 authorization-code flow (PKCE and state, RFC 7636 and RFC 6749 §10.12) through a
 * one-shot callback server on loopback (RFC 8252 §7.3). `onUrl` receives the URL the user opens;
 * the callback checks state before exchanging the code. Times out after `timeoutMs`.
 */
export async function runLoopbackConsent(options: LoopbackConsentOptions): Promise<OAuthGrant> {
  const { system, displayName: name, flow, app } = options;
  const log = options.log ?? silentLogger;
  let server: Server | null = null;
  try {
    return await new Promise<OAuthGrant>((resolve, reject) => {
      let pending: { state: string; codeVerifier: string; redirectUri: string } | null = null;
      let settled = false;
      const complete = (url: URL, finish: (status: number, text: string) => void) => {
        if (settled || !pending) return finish(409, 'This connection attempt is already complete.');
        const error = url.searchParams.get('error');
        if (error) {
          settled = true;
          finish(400, `${name} refused the connection: ${error}. You can close this window.`);
          reject(new ConnectorError({ code: 'MLC_ERR_RECONNECT_NEEDED', system, message: `${name} answered '${error}' at consent` }));
          return;
        }
        if (url.searchParams.get('state') !== pending.state) return finish(400, 'This address belongs to another connection attempt.');
        settled = true;
        const expected = pending;
        const tenantId = flow.tenantInCallback ? url.searchParams.get(flow.tenantInCallback) ?? undefined : undefined;
        flow
          .exchange(app, { code: url.searchParams.get('code') ?? '', state: expected.state, redirectUri: expected.redirectUri, codeVerifier: expected.codeVerifier, tenantId }, log)
          .then((grant) => {
            finish(200, `ml-connector is connected to ${name}. You can close this window.`);
            resolve(grant);
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
        const built = flow.authorize(app, redirectUri, log);
        pending = { state: built.state, codeVerifier: built.codeVerifier, redirectUri };
        Promise.resolve(options.onUrl(built.url)).catch(reject);
      });
      setTimeout(() => reject(new ConnectorError({ code: 'MLC_ERR_TIMEOUT', system, message: `nobody completed the ${name} consent in time; run the command again` })), options.timeoutMs ?? 300_000).unref();
    });
  } finally {
    (server as Server | null)?.close();
  }
}
