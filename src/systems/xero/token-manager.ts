import { systemClock, type Clock } from '../../core/clock.ts';
import { registerSecret } from '../../core/redact.ts';
import type { Authorizer, HttpMethod } from '../../http/transport.ts';
import type { CredentialStore } from '../types.ts';
import type { XeroCredentials, XeroOAuth } from './auth.ts';
import { xeroSpec } from './spec.ts';

/**
 * Keeps one Xero connection's access token fresh and hands it to the transport.
 *
 * - Refreshes `refreshSkewSeconds` before the 30-minute token expires, and once when a call gets
 *   401 TokenExpired.
 * - One refresh at a time: a promise shared in this process, and the store's lock across
 *   processes. After taking the lock it re-reads the credentials and skips the refresh when another
 *   process already replaced the token (two refreshes of one chain would break it: Xero rotates the
 *   refresh token on every use, https://developer.xero.com/faq/oauth2).
 * - The rotated pair is saved inside the lock before the new access token is used by any call, so
 *   a crash never leaves the only valid refresh token in memory.
 * - `invalid_grant` surfaces as MLC_ERR_RECONNECT_NEEDED (errors.ts) and nothing is saved.
 */
export class XeroTokenManager implements Authorizer {
  private cached: XeroCredentials | undefined;
  private inflight: Promise<XeroCredentials> | undefined;
  private readonly clock: Clock;
  private readonly skewMs: number;
  /** Refreshes this process performed (tests assert single-flight with it). */
  refreshCount = 0;

  constructor(
    private readonly oauth: XeroOAuth,
    private readonly store: CredentialStore<XeroCredentials>,
    options: { clock?: Clock; refreshSkewSeconds?: number } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.skewMs = (options.refreshSkewSeconds ?? xeroSpec.auth.refreshSkewSeconds) * 1000;
  }

  async authorize(_request: { method: HttpMethod; url: string }): Promise<{ headers: Record<string, string>; credentialTag: string }> {
    const creds = await this.current();
    return { headers: { authorization: `Bearer ${creds.accessToken}` }, credentialTag: creds.accessToken };
  }

  async renew(credentialTag: string): Promise<void> {
    await this.refresh(credentialTag);
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    return (await this.current()).accessToken;
  }

  private async current(): Promise<XeroCredentials> {
    if (this.inflight) return this.inflight;
    if (!this.cached) this.remember(await this.store.load());
    const creds = this.cached!;
    if (creds.expiresAt - this.skewMs > this.clock.now()) return creds;
    return this.refresh(creds.accessToken);
  }

  /** Refreshes unless the token `stale` has already been replaced (here or by another process). */
  private refresh(stale: string): Promise<XeroCredentials> {
    if (this.inflight) return this.inflight;
    if (this.cached && this.cached.accessToken !== stale) return Promise.resolve(this.cached);
    const run = this.store
      .update(async (latest) => {
        if (latest.accessToken !== stale) return undefined;
        this.refreshCount += 1;
        const next = await this.oauth.refresh(latest.refreshToken);
        return { ...latest, ...next };
      })
      .then((saved) => {
        this.remember(saved);
        return saved;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    this.inflight = run;
    return run;
  }

  private remember(creds: XeroCredentials): void {
    registerSecret(creds.accessToken);
    registerSecret(creds.refreshToken);
    this.cached = creds;
  }
}
