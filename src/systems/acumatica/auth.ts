import { ConnectorError, asConnectorError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { registerSecret } from '../../core/redact.ts';
import type { Clock } from '../../core/clock.ts';
import type { Transport } from '../../http/transport.ts';
import { SessionLoginManager } from '../session-login.ts';
import type { CredentialStore } from '../types.ts';
import { acumaticaSpec } from './spec.ts';

/** Where a connection points: the customer's own instance, a tenant on it and the branch to sign in to. */
export interface AcumaticaSite {
  /** e.g. `https://acme.acumatica.com` or `https://host/MyInstance` (an instance may sit under a virtual directory). */
  instanceUrl: string;
  tenant: string;
  branch?: string | undefined;
  /** Version of the Default endpoint to call; default the one the connector is built on (spec.ts). */
  endpointVersion?: string | undefined;
}

/** One cookie session as kept in the store. */
export interface AcumaticaSession {
  /** The `Cookie` header value: every cookie the sign-in set, `name=value; …`. */
  cookie: string;
  lastUsedAt: number;
}

/** A connection that signs in with a user and password (encrypted at rest by the engine's vault). */
export interface AcumaticaLoginCredentials extends AcumaticaSite {
  username: string;
  password: string;
  /** The current session, shared by every process serving this connection. */
  session?: AcumaticaSession | undefined;
}

export const instanceBase = (site: Pick<AcumaticaSite, 'instanceUrl'>): string => site.instanceUrl.trim().replace(/\/+$/, '');

/** The licence's allowance is the instance's: every tenant and connection on it shares it. */
export const licenceKey = (site: Pick<AcumaticaSite, 'instanceUrl'>): string => instanceBase(site).toLowerCase();

export interface AcumaticaSessionOptions {
  transport: Transport;
  store: CredentialStore<AcumaticaLoginCredentials>;
  clock?: Clock | undefined;
  logger?: Logger | undefined;
  assumeExpiredAfterSeconds?: number | undefined;
  persistEverySeconds?: number | undefined;
}

/**
 * Cookie sessions on the shared session-login manager (reuse, idle and single-flight rules are
 * there): `POST {instance}/entity/auth/login` with `{name, password, tenant, branch}` answers 204
 * and sets the session cookies, sent on every later call (Basic_Login example; older examples say
 * `company` for the tenant, so both are sent). A 401 on any call means sign in again, once.
 * `POST {instance}/entity/auth/logout` (204) frees the licence seat: a session not signed out keeps
 * it until it times out (Basic_Logout example), so `logout()` runs whenever a client is closed.
 */
export class AcumaticaSessionManager extends SessionLoginManager<AcumaticaSession, AcumaticaLoginCredentials> {
  constructor(options: AcumaticaSessionOptions) {
    const logger = (options.logger ?? silentLogger).child({ system: 'acumatica' });
    super({
      store: options.store,
      login: (creds) => cookieLogin(options.transport, logger, creds),
      logout: (creds, session) => cookieLogout(options.transport, creds, session),
      sessionKey: (session) => session.cookie,
      headers: (_creds, session) => ({ cookie: session.cookie }),
      secrets: (creds) => [creds.password],
      assumeExpiredAfterSeconds: options.assumeExpiredAfterSeconds ?? acumaticaSpec.auth.assumeExpiredAfterSeconds,
      persistEverySeconds: options.persistEverySeconds,
      clock: options.clock,
      logger,
    });
  }

  async site(): Promise<AcumaticaSite> {
    const { instanceUrl, tenant, branch, endpointVersion } = await this.credentials();
    return { instanceUrl, tenant, branch, endpointVersion };
  }
}

/** `name=value` of each Set-Cookie header, without attributes and without cookies being cleared. */
export function sessionCookie(headers: Headers): string {
  const pairs: string[] = [];
  for (const line of headers.getSetCookie()) {
    const [pair = '', ...attributes] = line.split(';');
    const eqAt = pair.indexOf('=');
    if (eqAt <= 0) continue;
    const name = pair.slice(0, eqAt).trim();
    const value = pair.slice(eqAt + 1).trim();
    const expired = attributes.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=').slice(1).join('=')) < Date.now()) || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
    if (!value || expired) continue;
    const at = pairs.findIndex((p) => p.startsWith(`${name}=`));
    if (at >= 0) pairs.splice(at, 1);
    pairs.push(`${name}=${value}`);
  }
  return pairs.join('; ');
}

async function cookieLogin(transport: Transport, logger: Logger, creds: AcumaticaLoginCredentials): Promise<Omit<AcumaticaSession, 'lastUsedAt'>> {
  registerSecret(creds.password);
  const res = await transport.request({
    method: 'POST',
    url: `${instanceBase(creds)}/entity/auth/login`,
    json: { name: creds.username, password: creds.password, tenant: creds.tenant, company: creds.tenant, ...(creds.branch ? { branch: creds.branch } : {}) },
    operation: 'acumatica.login',
    tenant: licenceKey(creds),
    // A repeated sign-in opens one more session, which times out on its own: no second effect on the books.
    idempotent: true,
  });
  const cookie = sessionCookie(res.headers);
  if (!cookie) {
    throw new ConnectorError({ code: 'MLC_ERR_BAD_RESPONSE', system: 'acumatica', status: res.status, message: `Acumatica accepted the sign-in (${res.status}) but set no session cookie` });
  }
  registerSecret(cookie);
  for (const part of cookie.split('; ')) registerSecret(part.slice(part.indexOf('=') + 1));
  logger.info({ tenant: creds.tenant, branch: creds.branch }, 'signed in to Acumatica');
  return { cookie };
}

async function cookieLogout(transport: Transport, creds: AcumaticaLoginCredentials, session: AcumaticaSession): Promise<void> {
  try {
    await transport.request({
      method: 'POST',
      url: `${instanceBase(creds)}/entity/auth/logout`,
      headers: { cookie: session.cookie },
      operation: 'acumatica.logout',
      // Sign-out bypasses the licence's request queue, so it does not wait behind our own limiter either.
      idempotent: true,
    });
  } catch (e) {
    // A session that already timed out has nothing left to sign out of.
    if (asConnectorError(e).code !== 'MLC_ERR_AUTH_EXPIRED') throw e;
  }
}
