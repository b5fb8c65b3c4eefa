import { systemClock, type Clock } from '../core/clock.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { registerSecret } from '../core/redact.ts';
import type { Authorizer, HttpMethod } from '../http/transport.ts';
import type { CredentialStore } from './types.ts';

/** A logged-in session as kept in the credential store; systems add its id, cookie, user... */
export interface LoginSession {
  /** Last time a call answered with this session, epoch ms (shared by every process). */
  lastUsedAt: number;
}

/** Credentials that carry the current session, if any. */
export interface SessionCredentials<S extends LoginSession> {
  session?: S | undefined;
}

export interface SessionLoginOptions<S extends LoginSession, C extends SessionCredentials<S>> {
  store: CredentialStore<C>;
  /** The system's login call; it maps refused credentials to its own error. */
  login: (credentials: C) => Promise<Omit<S, 'lastUsedAt'>>;
  /** What names a session (its id or cookie): the transport's credential tag. */
  sessionKey: (session: S) => string;
  /** The headers every call carries for this session. */
  headers: (credentials: C, session: S) => Record<string, string>;
  /** Ends a session at the service (Acumatica frees a licence seat); absent when the system has none. */
  logout?: ((credentials: C, session: S) => Promise<void>) | undefined;
  /** Secrets inside the credentials, registered for redaction when they are read. */
  secrets?: ((credentials: C) => readonly (string | undefined)[]) | undefined;
  /** From the system's AuthSpec (`session-login`): treat a session idle this long as gone. */
  assumeExpiredAfterSeconds: number;
  /** How often the last-used time is written back to the store (default 5 minutes). */
  persistEverySeconds?: number | undefined;
  clock?: Clock | undefined;
  logger?: Logger | undefined;
}

/**
 * One connection's login session, written once for every system that logs in with a username and
 * password and then sends a session id or cookie (BILL now, Acumatica next). Services end sessions
 * silently after some idle time and limit logins, so the session is reused across calls and
 * processes through the CredentialStore:
 * - the session and its last-used time live in the store; a process starting later reuses it;
 * - after `assumeExpiredAfterSeconds` idle it is assumed dead and replaced before the next call;
 * - a call refused as expired (the transport's `renew`) logs in again, once per stale session
 *   however many calls saw it, and the transport repeats that call once;
 * - logins run one at a time: in process through a shared promise, across processes under the
 *   store's lock, re-reading first and skipping when another process already logged in.
 */
export class SessionLoginManager<S extends LoginSession, C extends SessionCredentials<S>> implements Authorizer {
  private cached: C | undefined;
  private inflight: Promise<C> | undefined;
  private lastUsedAt = 0;
  private persistedAt = 0;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly idleMs: number;
  private readonly persistMs: number;
  /** Logins this process performed (tests assert reuse with it). */
  loginCount = 0;

  constructor(private readonly options: SessionLoginOptions<S, C>) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.idleMs = options.assumeExpiredAfterSeconds * 1000;
    this.persistMs = (options.persistEverySeconds ?? 300) * 1000;
  }

  async authorize(_request: { method: HttpMethod; url: string }): Promise<{ headers: Record<string, string>; credentialTag: string }> {
    const creds = await this.current();
    const session = creds.session!;
    return { headers: this.options.headers(creds, session), credentialTag: this.options.sessionKey(session) };
  }

  async renew(credentialTag: string): Promise<void> {
    await this.login(credentialTag);
  }

  onAnswered(credentialTag: string): void {
    if (!this.isCurrent(this.cached?.session, credentialTag)) return;
    const now = this.clock.now();
    this.lastUsedAt = Math.max(this.lastUsedAt, now);
    if (now - this.persistedAt < this.persistMs) return;
    this.persistedAt = now;
    // Tell other processes the session is alive; a lost write only costs them one extra login.
    void this.options.store
      .update(async (latest) => {
        const theirs = latest.session;
        if (!theirs || !this.isCurrent(theirs, credentialTag) || theirs.lastUsedAt >= now) return undefined;
        return { ...latest, session: { ...theirs, lastUsedAt: now } };
      })
      .catch((e: unknown) => this.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not record session use'));
  }

  /**
   * Ends the stored session at the service (when the system can) and forgets it, so the next call
   * logs in afresh. A session already idle past the limit is only forgotten. A failed logout still
   * forgets the session, then throws.
   */
  async logout(): Promise<void> {
    const logout = this.options.logout;
    let failure: { error: unknown } | undefined;
    const saved = await this.options.store.update(async (latest) => {
      const session = latest.session;
      if (!session) return undefined;
      if (logout && !this.idle(session)) {
        try {
          await logout(latest, session);
        } catch (error) {
          failure = { error };
        }
      }
      return { ...latest, session: undefined };
    });
    this.remember(saved);
    this.lastUsedAt = 0;
    if (failure) throw failure.error;
  }

  /** The stored credentials (read once, then kept in memory). */
  protected async credentials(): Promise<C> {
    if (!this.cached) this.remember(await this.options.store.load());
    return this.cached!;
  }

  private isCurrent(session: S | undefined, key: string): boolean {
    return session !== undefined && this.options.sessionKey(session) === key;
  }

  private idle(session: S): boolean {
    return this.clock.now() - session.lastUsedAt >= this.idleMs;
  }

  private async current(): Promise<C> {
    if (this.inflight) return this.inflight;
    const creds = await this.credentials();
    const session = creds.session;
    if (session && this.clock.now() - Math.max(session.lastUsedAt, this.lastUsedAt) < this.idleMs) return creds;
    return this.login(session ? this.options.sessionKey(session) : undefined);
  }

  /** Logs in unless the session `stale` has already been replaced (here or by another process). */
  private login(stale: string | undefined): Promise<C> {
    if (this.inflight) return this.inflight;
    const mine = this.cached?.session;
    if (mine && this.options.sessionKey(mine) !== stale) return Promise.resolve(this.cached!);
    const run = this.options.store
      .update(async (latest) => {
        const now = this.clock.now();
        const theirs = latest.session;
        if (theirs && this.options.sessionKey(theirs) !== stale && !this.idle(theirs)) return undefined;
        this.loginCount += 1;
        const fresh = await this.options.login(latest);
        return { ...latest, session: { ...fresh, lastUsedAt: now } as S };
      })
      .then((saved) => {
        this.remember(saved);
        this.lastUsedAt = saved.session?.lastUsedAt ?? 0;
        this.persistedAt = this.lastUsedAt;
        return saved;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    this.inflight = run;
    return run;
  }

  private remember(creds: C): void {
    for (const secret of this.options.secrets?.(creds) ?? []) registerSecret(secret);
    if (creds.session) registerSecret(this.options.sessionKey(creds.session));
    this.cached = creds;
  }
}
