import type { FastifyInstance, FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import { asConnectorError } from '../../core/errors.ts';
import type { BillCredentials } from '../../systems/bill/auth.ts';
import { createBillClient } from '../../systems/bill/client.ts';
import { billSpec } from '../../systems/bill/spec.ts';
import { MemoryCredentialStore } from '../../systems/memory-credential-store.ts';
import { saveConnection } from '../../store/repos/connections.ts';
import type { ServerServices } from '../contract.ts';
import { ensureSubscriptionsForLinks } from '../subscriptions/ensure.ts';
import { csrfField, esc, page } from './html.ts';

const formSchema = z.object({
  devKey: z.string().trim().min(1, 'the developer key is required').max(200),
  username: z.string().trim().min(1, 'the user name is required').max(200),
  password: z.string().min(1, 'the password is required').max(500),
  organizationId: z.string().trim().regex(/^[0-9A-Za-z]{6,40}$/, 'the organisation id looks like 00801…'),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  name: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'use lower-case letters, digits and dashes').optional(),
});

type FormValues = Partial<Record<'username' | 'organizationId' | 'baseUrl' | 'name', string>>;

/** The form never shows the password or the developer key again, not even after an error. */
function form(values: FormValues, csrf: string | null, error?: string): string {
  const v = (k: keyof FormValues) => esc(values[k] ?? '');
  return `${error ? `<p class="error">${esc(error)}</p>` : ''}
<form method="post" action="/connect/bill" autocomplete="off">${csrfField(csrf)}
<label for="devKey">Developer key</label><input type="password" id="devKey" name="devKey" required>
<label for="username">User name (email)</label><input type="text" id="username" name="username" value="${v('username')}" required>
<label for="password">Password</label><input type="password" id="password" name="password" required>
<label for="organizationId">Organisation id</label><input type="text" id="organizationId" name="organizationId" value="${v('organizationId')}" required>
<label for="baseUrl">Gateway URL (empty for BILL production)</label><input type="url" id="baseUrl" name="baseUrl" value="${v('baseUrl')}">
<label for="name">Connection name (optional)</label><input type="text" id="name" name="name" value="${v('name')}">
<button type="submit">Test the login and save</button></form>`;
}

const html = (reply: FastifyReply, status: number, title: string, body: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(title, body));
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/**
 * The BILL credentials form: the credentials are tried with one login
 * (https://developer.bill.com/reference/login) before anything is saved, so a typo is reported
 * here and not at the first sync. Saved encrypted; then the organisation's webhook subscription is
 * set up for any link that already uses it.
 */
export function registerBillRoutes(app: FastifyInstance, services: ServerServices, requireUser: preHandlerAsyncHookHandler): void {
  app.get('/connect/bill', { preHandler: requireUser }, async (request, reply) => html(reply, 200, 'Connect BILL', form({}, request.connectCsrf ?? null)));

  app.post('/connect/bill', { preHandler: requireUser }, async (request, reply) => {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const values: FormValues = {};
    for (const k of ['username', 'organizationId', 'baseUrl', 'name'] as const) if (typeof raw[k] === 'string') values[k] = raw[k];
    const parsed = formSchema.safeParse(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, blankToUndefined(v)])));
    if (!parsed.success) {
      const problem = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ');
      return html(reply, 400, 'Connect BILL', form(values, request.connectCsrf ?? null, `Please correct: ${problem}.`));
    }
    const f = parsed.data;
    const base = f.baseUrl?.replace(/\/+$/, '');
    const urls = base ? { api: `${base}/connect/v3`, events: `${base}/connect-events/v3` } : { ...billSpec.urls.production };
    const store = new MemoryCredentialStore<BillCredentials>({ devKey: f.devKey, username: f.username, password: f.password, organizationId: f.organizationId });
    try {
      await createBillClient({ credentials: store, urls, logger: services.log }).session.authorize({ method: 'GET', url: urls.api });
    } catch (e) {
      const err = asConnectorError(e);
      services.log.warn({ system: 'bill', code: err.code }, 'BILL credentials refused at login');
      const why = err.code === 'MLC_ERR_BAD_CREDENTIALS' ? 'BILL refused these credentials.' : `The login did not work (${err.code}): ${err.message}`;
      return html(reply, 400, 'Connect BILL', form(values, request.connectCsrf ?? null, `${why} Nothing was saved.`));
    }
    const id = f.name ?? `bill-${f.organizationId.slice(-8).toLowerCase()}`;
    await saveConnection(services.db, services.box, { id, system: 'bill', label: f.organizationId, tenantId: f.organizationId, config: { urls }, secret: await store.load() });
    await ensureSubscriptionsForLinks(services);
    services.log.info({ system: 'bill', connection: id }, 'BILL connected');
    return html(reply, 200, 'BILL connected', `<p class="ok">The login worked. Saved as connection <code>${esc(id)}</code>.</p><p><a href="/connect">Back</a></p>`);
  });
}
