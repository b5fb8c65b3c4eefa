/**
 * Everything the instance holds: its tenants and their records, the cookie sessions (counted against
 * the licence's API-user cap), the OAuth 2.0 server and the long-running operations of actions.
 * Ids come from a seeded stream, so a run repeats from its seed.
 */
import type { OffsetClock } from '../../core/clock.ts';
import { OAuthAuthorizationServer } from '../kit/oauth/authorization-server.ts';
import { Rng } from '../kit/rng.ts';
import { SessionStore } from '../kit/sessions.ts';
import { table, type EntityRecord, type Scalar, type Tenant } from './model.ts';
import type { ResolvedOptions } from './options.ts';

export interface SessionData {
  tenant: string;
  user: string;
  branch: string;
}

/** A long-running action: polls answer 202 until `pollsLeft` is spent, then 204 (or its error). */
export interface Operation {
  id: string;
  entity: string;
  action: string;
  pollsLeft: number;
  error?: string;
  /** The cookie session that started it (none for OAuth calls and control routes). */
  sessionId?: string;
}

/** OAuth client secrets are fixed per tenant so the sandbox values are stable across re-seeds. */
export const oauthClientGuid = 'B6C5B5E5-6A6A-4C5E-9C1E-5A2D3C4B5A6F';
export const oauthClientSecret = 'sandbox-client-secret';

export class AcumaticaState {
  readonly tenants = new Map<string, Tenant>();
  readonly sessions: SessionStore<SessionData>;
  readonly oauth: OAuthAuthorizationServer;
  /** Who each OAuth consent (authorizationId) signed in as. */
  readonly oauthUsers = new Map<string, SessionData>();
  /** The licence seat (session id) each OAuth consent holds, when grants hold seats. */
  readonly oauthSeats = new Map<string, string>();
  readonly operations = new Map<string, Operation>();
  rng: Rng;

  constructor(
    readonly clock: OffsetClock,
    seed: number,
    readonly options: ResolvedOptions,
  ) {
    this.rng = new Rng(seed);
    this.sessions = new SessionStore<SessionData>(clock, {
      idleMs: options.sessionIdleMs,
      newId: () => this.rng.hex(40).toUpperCase(),
      cap: options.apiUsers,
    });
    // 3600 s access tokens; refresh chain 30 days; the replaced refresh token is refused at once [AIR:OAuthOIDC_ResourceOwner_AccessToken.md].
    this.oauth = new OAuthAuthorizationServer(clock, { accessTokenSeconds: 3600, refreshTokenMs: 30 * 86_400_000, supersededGraceMs: 0, codeMs: 5 * 60_000 });
  }

  now(): number {
    return this.clock.now();
  }

  newId(): string {
    return this.rng.uuid();
  }

  tenant(name: string | undefined): Tenant | undefined {
    if (!name) return undefined;
    for (const t of this.tenants.values()) if (t.name.toLowerCase() === name.toLowerCase()) return t;
    return undefined;
  }

  /** A fresh record in a table, its created and modified times now. */
  insert(tenant: Tenant, entity: string, key: string, fields: Record<string, Scalar>, at = this.now()): EntityRecord {
    const rec: EntityRecord = { id: this.newId(), fields, linked: {}, details: {}, note: '', createdAt: at, modifiedAt: at };
    table(tenant, entity).set(key, rec);
    return rec;
  }

  reset(seed: number): void {
    this.rng = new Rng(seed);
    this.tenants.clear();
    this.sessions.clear();
    this.oauthUsers.clear();
    this.oauthSeats.clear();
    this.operations.clear();
  }
}
