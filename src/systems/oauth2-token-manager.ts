import { systemClock, type Clock } from '../core/clock.ts';
import { registerSecret } from '../core/redact.ts';
import type { Authorizer, HttpMethod } from '../http/transport.ts';
import type { CredentialStore } from './types.ts';

/** The part of a connection's credentials this manager keeps fresh; systems add their own fields. */
export interface OAuth2Tokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, epoch ms. */
  expiresAt: number;
}

/**
 * What a system's refresh returns. RFC 6749 §6 lets a server keep the refresh token (no
 * `refresh_token` in the answer) and omit `expires_in`; then the old refresh token and the spec's
 * access-token lifetime apply. Other fields (scope, ...) are saved as given.
 */
export type RefreshedTokens<C extends OAuth2Tokens> = Partial<Omit<C, keyof OAuth2Tokens>> & {
  accessToken: string;
  refreshToken?: string | undefined;
  expiresAt?: number | undefined;
};

export interface OAuth2TokenManagerOptions<C extends OAuth2Tokens> {
  store: CredentialStore<C>;
  /** The system's token call (`grant_type=refresh_token`); it maps a refused grant to its own error. */
  refresh: (refreshToken: string) => Promise<RefreshedTokens<C>>;
  /** From the system's AuthSpec (`oauth2-code`). */
  lifetimes: { accessTokenTtlSeconds: number; refreshSkewSeconds: number };
  /** Overrides `lifetimes.refreshSkewSeconds` (per connection or in tests). */
  refreshSkewSeconds?: number | undefined;
  clock?: Clock | undefined;
}

/**
 * Keeps one OAuth 2.0 connection's access token fresh and hands it to the transport. Written once
 * for every system whose refresh token rotates (Xero: https://developer.xero.com/faq/oauth2;
 * QuickBooks Online: https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/faq).
 *
 * - Refreshes `refreshSkewSeconds` before the access token expires, and once when a call is
 *   refused with that token (the transport's `renew`).
 * - One refresh at a time: a promise shared in this process, and the store's lock across
 *   processes. Inside the lock the credentials are re-read, and the refresh is skipped when another
 *   process already replaced the token with one that is still fresh: two refreshes of one chain
 *   would break it, since each use of a refresh token replaces it.
 * - The rotated pair is saved inside the lock before the new access token is used by any call, so
 *   a crash never leaves the only valid refresh token in memory; a failed save fails the call.
 * - A refused refresh throws the system's error (e.g. MLC_ERR_RECONNECT_NEEDED) and nothing is saved.
 */
export class OAuth2TokenManager<C extends OAuth2Tokens> implements Authorizer {
  private cached: C | undefined;
  private inflight: Promise<C> | undefined;
  private readonly clock: Clock;
  private readonly skewMs: number;
  private readonly ttlMs: number;
  /** Refreshes this process performed (tests assert single-flight with it). */
  refreshCount = 0;

  constructor(private readonly options: OAuth2TokenManagerOptions<C>) {
    this.clock = options.clock ?? systemClock;
    this.skewMs = (options.refreshSkewSeconds ?? options.lifetimes.refreshSkewSeconds) * 1000;
    this.ttlMs = options.lifetimes.accessTokenTtlSeconds * 1000;
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

  private async current(): Promise<C> {
    if (this.inflight) return this.inflight;
    if (!this.cached) this.remember(await this.options.store.load());
    const creds = this.cached!;
    if (!this.expiring(creds)) return creds;
    return this.refresh(creds.accessToken);
  }

  private expiring(creds: OAuth2Tokens): boolean {
    return creds.expiresAt - this.skewMs <= this.clock.now();
  }

  /** Refreshes unless the token `stale` has already been replaced (here or by another process). */
  private refresh(stale: string): Promise<C> {
    if (this.inflight) return this.inflight;
    if (this.cached && this.cached.accessToken !== stale) return Promise.resolve(this.cached);
    const run = this.options.store
      .update(async (latest) => {
        // Another process refreshed while we waited for the lock: use its token, unless it too is
        // about to expire (then this refresh uses the refresh token it saved).
        if (latest.accessToken !== stale && !this.expiring(latest)) return undefined;
        this.refreshCount += 1;
        const next = await this.options.refresh(latest.refreshToken);
        return {
          ...latest,
          ...next,
          refreshToken: next.refreshToken ?? latest.refreshToken,
          expiresAt: next.expiresAt ?? this.clock.now() + this.ttlMs,
        } as C;
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

  private remember(creds: C): void {
    registerSecret(creds.accessToken);
    registerSecret(creds.refreshToken);
    this.cached = creds;
  }
}
