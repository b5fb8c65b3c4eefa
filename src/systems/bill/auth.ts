import { systemClock, type Clock } from '../../core/clock.ts';
import { ConnectorError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { registerSecret } from '../../core/redact.ts';
import type { Authorizer, HttpMethod, Transport } from '../../http/transport.ts';
import type { CredentialStore } from '../types.ts';
import { loginResponseSchema } from './schema.ts';
import { billSpec } from './spec.ts';

/** What the connector keeps per BILL connection (encrypted at rest by the engine's vault). */
export interface BillCredentials {
  devKey: string;
  username: string;
  password: string;
  organizationId: string;
  /** The current API session, shared by every process that serves this connection. */
  session?: { sessionId: string; userId?: string | undefined; lastUsedAt: number } | undefined;
}

export interface BillSessionOptions {
  transport: Transport;
  store: CredentialStore<BillCredentials>;
  /** `<base>/connect/v3`. */
  api: string;
  clock?: Clock;
  logger?: Logger;
  /** Treat the session as gone after this much idle time (default: the spec's 30 minutes). */
  assumeExpiredAfterSeconds?: number;
  /** How often the last-used time is written back to the store (default 5 minutes). */
  persistEverySeconds?: number;
}

/**
 * BILL API sessions (https://developer.bill.com/reference/login): `POST /v3/login` with devKey,
 * username, password and organizationId gives a sessionId, sent with the devKey as headers on
 * every call. Sessions end after 35 idle minutes, and logins are limited to 200 per devKey per
 * hour, so the session is reused across calls and processes through the CredentialStore:
 * - the sessionId and its last-used time live in the store; a process starting later reuses it;
 * - after 30 idle minutes it is assumed dead and replaced before the next call;
 * - BDC_1109 / 401 on any call → log in again (once per stale session, however many calls saw it)
 *   and repeat that call once;
 * - logins run one at a time: in process through a shared promise, across processes under the
 *   store's lock, re-reading first and skipping when another process already logged in.
 * BDC_1101 / BDC_1102 become MLC_ERR_BAD_CREDENTIALS (errors.ts).
 */
export class BillSessionManager implements Authorizer {
  private cached: BillCredentials | undefined;
  private inflight: Promise<BillCredentials> | undefined;
  private lastUsedAt = 0;
  private persistedAt = 0;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly idleMs: number;
  private readonly persistMs: number;
  /** Logins this process performed (tests assert reuse with it). */
  loginCount = 0;

  constructor(private readonly options: BillSessionOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ system: 'bill' });
    this.idleMs = (options.assumeExpiredAfterSeconds ?? billSpec.auth.assumeExpiredAfterSeconds) * 1000;
    this.persistMs = (options.persistEverySeconds ?? 300) * 1000;
  }

  /** The organisation these credentials log in to. */
  async organizationId(): Promise<string> {
    return (await this.load()).organizationId;
  }

  async authorize(_request: { method: HttpMethod; url: string }): Promise<{ headers: Record<string, string>; credentialTag: string }> {
    const creds = await this.current();
    const sessionId = creds.session!.sessionId;
    return { headers: { devKey: creds.devKey, sessionId }, credentialTag: sessionId };
  }

  async renew(credentialTag: string): Promise<void> {
    await this.login(credentialTag);
  }

  onAnswered(credentialTag: string): void {
    if (this.cached?.session?.sessionId !== credentialTag) return;
    const now = this.clock.now();
    this.lastUsedAt = Math.max(this.lastUsedAt, now);
    if (now - this.persistedAt < this.persistMs) return;
    this.persistedAt = now;
    // Tell other processes the session is alive; a lost write only costs them one extra login.
    void this.options.store
      .update(async (latest) => (latest.session?.sessionId === credentialTag && latest.session.lastUsedAt < now ? { ...latest, session: { ...latest.session, lastUsedAt: now } } : undefined))
      .catch((e: unknown) => this.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not record BILL session use'));
  }

  private async load(): Promise<BillCredentials> {
    if (!this.cached) this.remember(await this.options.store.load());
    return this.cached!;
  }

  private async current(): Promise<BillCredentials> {
    if (this.inflight) return this.inflight;
    const creds = await this.load();
    const session = creds.session;
    if (session && this.clock.now() - Math.max(session.lastUsedAt, this.lastUsedAt) < this.idleMs) return creds;
    return this.login(session?.sessionId);
  }

  /** Logs in unless the session `stale` has already been replaced (here or by another process). */
  private login(stale: string | undefined): Promise<BillCredentials> {
    if (this.inflight) return this.inflight;
    if (this.cached?.session && this.cached.session.sessionId !== stale) return Promise.resolve(this.cached);
    const run = this.options.store
      .update(async (latest) => {
        const now = this.clock.now();
        const theirs = latest.session;
        if (theirs && theirs.sessionId !== stale && now - theirs.lastUsedAt < this.idleMs) return undefined;
        this.loginCount += 1;
        const session = await this.callLogin(latest);
        return { ...latest, session: { sessionId: session.sessionId, userId: session.userId, lastUsedAt: now } };
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

  private async callLogin(creds: BillCredentials): Promise<{ sessionId: string; userId: string | undefined }> {
    const res = await this.options.transport.request(
      {
        method: 'POST',
        url: `${this.options.api}/login`,
        json: { username: creds.username, password: creds.password, organizationId: creds.organizationId, devKey: creds.devKey },
        operation: 'bill.login',
        tenant: creds.organizationId,
        limitGroup: 'login',
        // A second login only opens a second session: safe to repeat after a lost answer.
        idempotent: true,
      },
      loginResponseSchema,
    );
    registerSecret(res.body.sessionId);
    if (res.body.organizationId !== creds.organizationId) {
      throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'bill', message: `BILL logged in to organisation ${res.body.organizationId}, not the configured ${creds.organizationId}` });
    }
    this.logger.info({ organizationId: creds.organizationId }, 'logged in to BILL');
    return { sessionId: res.body.sessionId, userId: res.body.userId };
  }

  private remember(creds: BillCredentials): void {
    registerSecret(creds.devKey);
    registerSecret(creds.password);
    registerSecret(creds.session?.sessionId);
    this.cached = creds;
  }
}
