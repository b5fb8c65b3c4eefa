import type { Clock } from '../../core/clock.ts';

/**
 * Login sessions for emulators whose API signs in with a user and password and then sends a session
 * id (BILL's `sessionId` header after `POST /v3/login`; Acumatica's cookie after
 * `POST /entity/auth/login`). A session ends when it is logged out, when it goes unused for the
 * idle time on the emulator clock, or when a fault expires every session; each accepted call slides
 * the idle timer. An optional cap refuses a new login while as many sessions are live (Acumatica
 * counts API sessions against the licence). What a refused or ended session answers is the vendor's.
 */

export interface LoginSession<D> {
  readonly id: string;
  readonly data: D;
  /** Emulator-clock time of the login or of the last accepted call. */
  lastSeen: number;
  /** False once logged out, idle-expired or force-expired; never alive again. */
  live: boolean;
}

export interface SessionStoreOptions<D> {
  /** A session unused for longer than this is over (BILL 35 minutes; Acumatica ~20 minutes by default). */
  idleMs: number;
  /** Makes a session id (BILL draws them from a seeded stream so runs repeat). */
  newId(): string;
  /** Most sessions live at once per `capKey` (default: no cap). */
  cap?: number;
  /** What the cap counts by (default: one count for the whole emulator). */
  capKey?(data: D): string;
}

export type OpenResult<D> = { ok: true; session: LoginSession<D> } | { ok: false; reason: 'cap'; live: number };

export class SessionStore<D> {
  private readonly sessions = new Map<string, LoginSession<D>>();

  constructor(
    private readonly clock: Clock,
    readonly options: SessionStoreOptions<D>,
  ) {}

  /** Opens a session, unless the cap is reached by sessions still live (idle ones are ended first). */
  open(data: D): OpenResult<D> {
    const { cap, capKey } = this.options;
    if (cap !== undefined) {
      const key = capKey?.(data);
      const live = [...this.sessions.values()].filter((s) => this.isLive(s) && (capKey === undefined || capKey(s.data) === key)).length;
      if (live >= cap) return { ok: false, reason: 'cap', live };
    }
    const session: LoginSession<D> = { id: this.options.newId(), data, lastSeen: this.clock.now(), live: true };
    this.sessions.set(session.id, session);
    return { ok: true, session };
  }

  /** The session if it is live; one found idle too long is ended now. Does not slide the timer. */
  find(id: string | undefined): LoginSession<D> | undefined {
    const session = id ? this.sessions.get(id) : undefined;
    return session && this.isLive(session) ? session : undefined;
  }

  /** Slides the idle timer: the call was accepted. */
  touch(session: LoginSession<D>): void {
    session.lastSeen = this.clock.now();
  }

  /** Logout. */
  end(session: LoginSession<D>): void {
    session.live = false;
  }

  /** Ends every session (fault injection `expireAuthNow` / `expireAuthRate`). */
  endAll(): void {
    for (const s of this.sessions.values()) s.live = false;
  }

  /** Forgets every session (a re-seed). */
  clear(): void {
    this.sessions.clear();
  }

  /** How many sessions are live now (for state views and tests; never their ids). */
  liveCount(): number {
    return [...this.sessions.values()].filter((s) => this.isLive(s)).length;
  }

  private isLive(session: LoginSession<D>): boolean {
    if (session.live && this.clock.now() - session.lastSeen > this.options.idleMs) session.live = false;
    return session.live;
  }
}
