import { getLink } from '../../../store/repos/links.ts';
import { skipRecord } from '../../../store/repos/records.ts';
import { field, type Dashboard } from '../context.ts';
import { sendLinkWork } from '../../contract.ts';

/** Who skipped, in the record's reason and its audit event. */
const skipNote = 'skipped by a person from the dashboard';

/**
 * The dashboard's buttons. Sync and replay only enqueue link-work jobs (a worker runs them with the
 * engine); skip is a status change with its audit event. Each answers with see-other, back to the
 * page the button was on, carrying a fixed notice key.
 */
export function registerActions(d: Dashboard): void {
  const { app, services, base } = d;

  /** The page to return to: a dashboard path only, never another site. */
  const backTo = (body: unknown, fallback: string): string => {
    const back = field(body, 'back');
    return back && back.startsWith(`${base}/`) && !back.startsWith('//') && !back.includes('\\') ? back.slice(base.length) : fallback;
  };
  const withNotice = (path: string, notice: string, job?: string | null): [string, Record<string, string>] => {
    const [p, q] = path.split('?');
    const query: Record<string, string> = { ...Object.fromEntries(new URLSearchParams(q ?? '')), notice };
    // The job's id lets the page that follows say what came of it once it ran (jobOutcome).
    if (job) query.job = job;
    else delete query.job;
    return [p ?? '/', query];
  };

  app.post<{ Params: { name: string } }>('/links/:name/sync', async (request, reply) => {
    const link = await getLink(services.db, request.params.name);
    if (!link) return d.redirect(reply, '/', { notice: 'unknown-link' });
    await sendLinkWork(services, link, { kind: 'sync', link: link.name, reason: 'manual' });
    services.log.info({ link: link.name }, 'sync requested from the dashboard');
    return d.redirect(reply, '/', { notice: 'sync-queued' });
  });

  app.post<{ Params: { name: string } }>('/links/:name/replay-failed', async (request, reply) => {
    const link = await getLink(services.db, request.params.name);
    if (!link) return d.redirect(reply, '/records', { notice: 'unknown-link' });
    const job = await sendLinkWork(services, link, { kind: 'replay', link: link.name, target: { failed: true } });
    return d.redirect(reply, ...withNotice(backTo(request.body, '/records'), 'replay-queued', job));
  });

  app.post('/records/replay', async (request, reply) => {
    const link = await getLink(services.db, field(request.body, 'link') ?? '');
    const id = field(request.body, 'id');
    if (!link || !id) return d.redirect(reply, '/records', { notice: 'unknown-link' });
    const job = await sendLinkWork(services, link, { kind: 'replay', link: link.name, target: { id } });
    services.log.info({ link: link.name, id }, 'replay requested from the dashboard');
    return d.redirect(reply, ...withNotice(backTo(request.body, '/records'), 'replay-queued', job));
  });

  app.post('/records/skip', async (request, reply) => {
    const link = field(request.body, 'link') ?? '';
    const entity = field(request.body, 'entity') ?? '';
    const id = field(request.body, 'id') ?? '';
    const skipped = link && entity && id ? await skipRecord(services.db, { link, entity, sourceId: id }, skipNote) : false;
    if (skipped) services.log.info({ link, entity, id }, 'record skipped from the dashboard');
    return d.redirect(reply, ...withNotice(backTo(request.body, '/records'), skipped ? 'skipped' : 'not-skipped', null));
  });
}
