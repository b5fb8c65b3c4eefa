import type { FastifyInstance } from 'fastify';
import { SCOPES, apiRoute, type ApiDeps } from './api.ts';
import { elementsOf, runBatch } from './batch.ts';
import { notFound, ok, postDataInvalid } from './errors.ts';
import { envelope, renderTrackingCategory } from './json.ts';
import type { TrackingCategory, TrackingOption } from './model.ts';
import { UUID_RE, boolParam, filterSortPage, isResult } from './query.ts';
import { done, fail, str, type In, type WriteCtx, type WriteResult } from './write.ts';

/**
 * Tracking categories (XTC; XS `/TrackingCategories`): at most 2 ACTIVE and 4 in all per
 * organisation, names up to 100 characters. GET lists ACTIVE ones unless `includeArchived=true`;
 * PUT creates a category; PUT /{id}/Options adds options to it.
 */

export const MAX_ACTIVE = 2;
export const MAX_TOTAL = 4;

function createCategory(w: WriteCtx, input: In): WriteResult<TrackingCategory> {
  const t = w.tenant;
  const name = str(input, 'Name')?.trim() ?? '';
  const all = [...t.trackingCategories.values()];
  if (!name) return fail(['Tracking category Name must be specified.']);
  if (name.length > 100) return fail(['Tracking category Name must be 100 characters or fewer.']);
  if (all.some((c) => c.Name.toLowerCase() === name.toLowerCase())) return fail([`The tracking category name '${name}' is already in use.`]);
  if (all.filter((c) => c.Status === 'ACTIVE').length >= MAX_ACTIVE) return fail([`An organisation can have at most ${MAX_ACTIVE} active tracking categories.`]);
  if (all.length >= MAX_TOTAL) return fail([`An organisation can have at most ${MAX_TOTAL} tracking categories, archived ones included.`]);
  const cat: TrackingCategory = { TrackingCategoryID: t.uuid(), Name: name, Status: 'ACTIVE', Options: [] };
  t.trackingCategories.set(cat.TrackingCategoryID, cat);
  return done(cat);
}

function addOption(w: WriteCtx, cat: TrackingCategory, input: In): WriteResult<TrackingOption> {
  const name = str(input, 'Name')?.trim() ?? '';
  if (!name) return fail(['Tracking option Name must be specified.']);
  if (name.length > 100) return fail(['Tracking option Name must be 100 characters or fewer.']);
  const current = w.tenant.trackingCategories.get(cat.TrackingCategoryID) ?? cat;
  if (current.Options.some((o) => o.Name.toLowerCase() === name.toLowerCase())) return fail([`The tracking option '${name}' already exists.`]);
  const option: TrackingOption = { TrackingOptionID: w.tenant.uuid(), Name: name, Status: 'ACTIVE' };
  w.tenant.trackingCategories.set(current.TrackingCategoryID, { ...current, Options: [...current.Options, option] });
  return done(option);
}

export function registerTrackingRoutes(app: FastifyInstance, deps: ApiDeps): void {
  apiRoute(app, deps, 'GET', '/TrackingCategories', SCOPES.settingsRead, (req) => {
    const archived = boolParam(req.query, 'includeArchived');
    const records = [...req.tenant.trackingCategories.values()].filter((c) => archived || c.Status === 'ACTIVE');
    const listed = filterSortPage(records.map((c) => renderTrackingCategory(c, archived)), req.query, { paged: false });
    return isResult(listed) ? listed : ok(envelope('TrackingCategories', listed.items, req.now));
  });

  apiRoute(app, deps, 'GET', '/TrackingCategories/:TrackingCategoryID', SCOPES.settingsRead, (req) => {
    const id = req.params.TrackingCategoryID ?? '';
    const c = UUID_RE.test(id) ? req.tenant.trackingCategories.get(id.toLowerCase()) : undefined;
    return c ? ok(envelope('TrackingCategories', [renderTrackingCategory(c, true)], req.now)) : notFound();
  });

  apiRoute(app, deps, 'PUT', '/TrackingCategories', SCOPES.settingsWrite, (req) => {
    const elements = elementsOf(req.body, 'TrackingCategories');
    if (!elements) return postDataInvalid('Expected a TrackingCategory object.');
    const w = req.write();
    return runBatch(elements.slice(0, 1), {
      tenant: req.tenant,
      plural: 'TrackingCategories',
      errorFlag: 'HasValidationErrors',
      summarizeErrors: true,
      now: req.now,
      events: req.events,
      apply: (el: In) => createCategory(w, el),
      render: (c) => renderTrackingCategory(c, true),
    });
  });

  apiRoute(app, deps, 'PUT', '/TrackingCategories/:TrackingCategoryID/Options', SCOPES.settingsWrite, (req) => {
    const id = req.params.TrackingCategoryID ?? '';
    const cat = UUID_RE.test(id) ? req.tenant.trackingCategories.get(id.toLowerCase()) : undefined;
    if (!cat) return notFound();
    const elements = elementsOf(req.body, 'Options');
    if (!elements) return postDataInvalid('Expected a TrackingOption object.');
    const w = req.write();
    return runBatch(elements, {
      tenant: req.tenant,
      plural: 'Options',
      errorFlag: 'HasValidationErrors',
      summarizeErrors: true,
      now: req.now,
      events: req.events,
      apply: (el: In) => addOption(w, cat, el),
      render: (o) => ({ TrackingOptionID: o.TrackingOptionID, Name: o.Name, Status: o.Status }),
    });
  });
}
