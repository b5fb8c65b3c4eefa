import type { FastifyInstance, FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import type { CredentialsFlow } from '../../app/systems/connect-flow.ts';
import type { SystemEntry } from '../../app/systems/index.ts';
import { asConnectorError } from '../../core/errors.ts';
import { saveConnection } from '../../store/repos/connections.ts';
import type { ServerServices } from '../contract.ts';
import { ensureWebhookSubscriptions } from '../subscriptions/monitor.ts';
import { csrfField, esc, formField, page } from './html.ts';

/** Fields every credentials form has beside the system's own: where the vendor is, and what to call the connection. */
const commonSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  name: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'use lower-case letters, digits and dashes').optional(),
});

const html = (reply: FastifyReply, status: number, title: string, body: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(title, body));
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The form never shows a secret field's value again, not even after an error. */
function form(id: string, flow: CredentialsFlow, values: Record<string, string>, csrf: string | null, error?: string): string {
  const input = (key: string, label: string, options: { secret?: boolean; required?: boolean; type?: string }) => formField({ ...options, id: key, name: key, label }, values[key]);
  return `${error ? `<p class="error">${esc(error)}</p>` : ''}
<form method="post" action="/connect/${esc(id)}" autocomplete="off">${csrfField(csrf)}
${flow.fields.map((f) => input(f.key, f.label, { ...(f.secret ? { secret: true } : {}), ...(f.required ? { required: true } : {}), ...(f.type ? { type: f.type } : {}) })).join('\n')}
${input('baseUrl', flow.baseUrlLabel, { type: 'url' })}
${input('name', 'Connection name (optional)', {})}
<button type="submit">Test the login and save</button></form>`;
}

/**
 * One system's credentials form at `/connect/<id>`: the values are tried with one login before
 * anything is saved, so a typo is reported here and not at the first sync. Saved encrypted; then
 * the webhook subscriptions of the links that already use the connection are set up.
 */
export function registerCredentialsRoutes(app: FastifyInstance, services: ServerServices, requireUser: preHandlerAsyncHookHandler, entry: SystemEntry, flow: CredentialsFlow): void {
  const id = entry.id;
  const name = entry.spec.displayName;
  const title = `Connect ${name}`;
  const shown = new Set([...flow.fields.filter((f) => !f.secret).map((f) => f.key), 'baseUrl', 'name']);

  app.get(`/connect/${id}`, { preHandler: requireUser }, async (request, reply) => html(reply, 200, title, form(id, flow, {}, request.connectCsrf ?? null)));

  app.post(`/connect/${id}`, { preHandler: requireUser }, async (request, reply) => {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => shown.has(e[0]) && typeof e[1] === 'string'));
    const cleaned = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, blankToUndefined(v)]));
    const own = flow.schema.safeParse(cleaned);
    const common = commonSchema.safeParse({ baseUrl: cleaned.baseUrl, name: cleaned.name });
    if (!own.success || !common.success) {
      const issues = [...(own.success ? [] : own.error.issues), ...(common.success ? [] : common.error.issues)];
      const problem = issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ');
      return html(reply, 400, title, form(id, flow, values, request.connectCsrf ?? null, `Please correct: ${problem}.`));
    }
    let urls: Record<string, string>;
    let secret: unknown;
    try {
      // A system without a public host (Acumatica: each customer's own site) needs the base URL.
      urls = flow.urlsFor(common.data.baseUrl);
    } catch (e) {
      return html(reply, 400, title, form(id, flow, values, request.connectCsrf ?? null, `Please correct: ${asConnectorError(e).message}.`));
    }
    try {
      secret = await flow.check(own.data, urls, services.log);
    } catch (e) {
      const err = asConnectorError(e);
      services.log.warn({ system: id, code: err.code }, `${name} credentials refused at login`);
      const why = err.code === 'MLC_ERR_BAD_CREDENTIALS' ? `${name} refused these credentials.` : `The login did not work (${err.code}): ${err.message}`;
      return html(reply, 400, title, form(id, flow, values, request.connectCsrf ?? null, `${why} Nothing was saved.`));
    }
    const connection = flow.connection(own.data, urls, secret, common.data.name ?? flow.defaultConnectionId(own.data));
    await saveConnection(services.db, services.box, { ...connection, system: id });
    await ensureWebhookSubscriptions(services);
    services.log.info({ system: id, connection: connection.id }, `${name} connected`);
    return html(reply, 200, `${name} connected`, `<p class="ok">The login worked. Saved as connection <code>${esc(connection.id)}</code>.</p><p><a href="/connect">Back</a></p>`);
  });
}
