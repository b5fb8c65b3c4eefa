/**
 * The path of an API request (the kit's pipeline, kit/pipeline.ts, with Acumatica's steps): the
 * licence queue first (every request but sign-out waits there for a processing core, and may be
 * slowed or declined, licence.ts); then faults drawn inside the slot (a late write still holds its
 * core), the session cookie or Bearer token (401 HttpError without one), the emulated latency, the
 * handler. A call sliding the session's idle timer is one that was accepted.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LoginSession } from '../kit/sessions.ts';
import { refuse, runPipeline, type Refusal, type StatusFault } from '../kit/pipeline.ts';
import { httpError, messages } from './errors.ts';
import { AcumaticaError, type Tenant } from './model.ts';
import type { AcumaticaDeps } from './options.ts';
import type { SessionData } from './state.ts';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Set-Cookie values, one header each. */
  cookies?: string[];
}

export interface Auth {
  tenant: Tenant;
  data: SessionData;
  session?: LoginSession<SessionData>;
}

export const sessionCookie = '.ASPXAUTH';

export function cookies(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of String(request.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export function errorReply(e: unknown): Reply {
  if (e instanceof AcumaticaError) return { status: e.status, body: e.body ?? httpError(e.status, e.message) };
  return { status: 500, body: httpError(500, e instanceof Error ? e.message : String(e)) };
}

export function sendReply(reply: FastifyReply, r: Reply): FastifyReply {
  reply.code(r.status);
  for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
  // fastify appends every set-cookie header given, one per cookie.
  for (const c of r.cookies ?? []) reply.header('set-cookie', c);
  return r.body === undefined ? reply.send() : reply.send(r.body);
}

function faultReply(kind: StatusFault): Reply {
  if (kind === 'rate_limited') return { status: 429, body: httpError(429, messages.licence) };
  if (kind === 'unavailable') return { status: 503, body: httpError(503, messages.unavailable) };
  return { status: 500, body: httpError(500, 'An unexpected error occurred while processing the request.') };
}

/** With `oauthHoldsSeats`, the grant's seat: the one it holds (its idle timer slid) or a new one; false when none is free. */
function oauthSeat(deps: AcumaticaDeps, authorizationId: string, data: SessionData): boolean {
  if (!deps.options.oauthHoldsSeats) return true;
  const held = deps.state.sessions.find(deps.state.oauthSeats.get(authorizationId));
  if (held) {
    deps.state.sessions.touch(held);
    return true;
  }
  const opened = deps.state.sessions.open(data);
  if (!opened.ok) return false;
  deps.state.oauthSeats.set(authorizationId, opened.session.id);
  return true;
}

export const loginLimit = (deps: AcumaticaDeps): Reply => {
  deps.ctx.stats.reject('acumatica.api-users');
  return { status: 429, body: httpError(429, `${messages.loginLimit}: the maximum number of API users (${deps.options.apiUsers}) is signed in.`) };
};

/** The session of the `.ASPXAUTH` cookie or the user of a Bearer access token, else null (or the licence's refusal). */
export function authenticate(deps: AcumaticaDeps, request: FastifyRequest): Auth | Reply | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
  if (bearer) {
    const access = deps.state.oauth.checkAccess(bearer);
    if (!access || 'expiredAt' in access || access.revoked) return null;
    const data = deps.state.oauthUsers.get(access.authorizationId);
    const tenant = data && deps.state.tenant(data.tenant);
    if (!data || !tenant) return null;
    return oauthSeat(deps, access.authorizationId, data) ? { tenant, data } : loginLimit(deps);
  }
  const session = deps.state.sessions.find(cookies(request)[sessionCookie]);
  const tenant = session && deps.state.tenant(session.data.tenant);
  if (!session || !tenant) return null;
  deps.state.sessions.touch(session);
  return { tenant, data: session.data, session };
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One request through the licence queue and the kit pipeline: `authenticate` gives the caller or a
 * refusal (login has no caller yet), `handler` the answer; whatever it throws is an HttpError.
 */
export async function serve<A>(deps: AcumaticaDeps, request: FastifyRequest, reply: FastifyReply, authenticate: () => A | Refusal<Reply>, handler: (auth: A) => Reply | Promise<Reply>): Promise<FastifyReply> {
  const admission = await deps.licence.admit();
  if (!admission.ok) return sendReply(reply, { status: 429, body: httpError(429, messages.licence) });
  try {
    const result = await runPipeline<A, Reply>(deps.ctx, request, {
      faults: 'in-gate',
      faultPath: request.url,
      expireAuth: () => {
        deps.state.sessions.endAll();
        deps.state.oauth.expireAllAccessTokens();
      },
      authenticate,
      admit: () => admission,
      faultAnswer: faultReply,
      handle: async (auth) => {
        try {
          return await handler(auth);
        } catch (e) {
          return errorReply(e);
        }
      },
    });
    if (result === null) {
      reply.hijack();
      return reply;
    }
    return sendReply(reply, result);
  } finally {
    admission.release();
  }
}

/** An authenticated API route; `early` may answer first (a wrong version is 404 before credentials). */
export function apiRoute(app: FastifyInstance, deps: AcumaticaDeps, methods: Method[], url: string, handler: (auth: Auth, request: FastifyRequest) => Reply | Promise<Reply>, early?: (request: FastifyRequest) => Reply | null): void {
  app.route({
    method: methods,
    url,
    handler: async (request, reply) => {
      deps.ctx.stats.countCall(`${request.method} ${endpointName(request.url)}`);
      const refused = early?.(request);
      if (refused) return sendReply(reply, refused);
      const who = () => {
        const auth = authenticate(deps, request);
        if (auth === null) return refuse<Reply>({ status: 401, body: httpError(401, messages.notLoggedIn) });
        return 'status' in auth ? refuse(auth) : auth;
      };
      return serve(deps, request, reply, who, (auth) => handler(auth, request));
    },
  });
}

/**
 * The stats name of a call, in the spec's path style: `/entity/Default/24.200.001/Bill`,
 * `…/Bill/ReleaseBill`, `…/Bill/ReleaseBill/status/{id}`, `…/Bill/{ids}` (keys and ids left out).
 */
export function endpointName(url: string): string {
  const path = url.split('?')[0]!;
  const m = /^(\/entity\/[^/]+\/[^/]+\/[^/]+)(?:\/(.*))?$/.exec(path);
  if (!m) return path;
  const [head, tail] = [m[1]!, m[2] ?? ''];
  if (tail === '' || tail === '$adHocSchema') return tail ? `${head}/${tail}` : head;
  const [first, second] = tail.split('/');
  if (second === 'status') return `${head}/${first}/status/{id}`;
  return /^[A-Z][A-Za-z]+$/.test(first!) && tail.split('/').length === 1 && !/^[A-Z]\d/.test(first!) ? `${head}/${first}` : `${head}/{ids}`;
}

export const cookie = (name: string, value: string): string => `${name}=${encodeURIComponent(value)}; path=/; HttpOnly; SameSite=Lax`;
