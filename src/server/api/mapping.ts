import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { suggestValueMaps } from '../../pairs/value-maps.ts';
import { requireLink, type ApiContext } from './context.ts';
import { errorSchema, linkParams } from './schemas.ts';

const rowSchema = z.object({
  value: z.string().meta({ description: "The map's key: the value as the ERP gives it on records (an Acumatica subaccount code)" }),
  label: z.string(),
  active: z.boolean(),
  current: z.string().nullable().meta({ description: "What the link's map says now" }),
  currentMissing: z.boolean().meta({ description: 'The current entry names a value the target does not have (active)' }),
  suggestion: z.object({ value: z.string(), by: z.string().meta({ description: 'How it was found: code, name, first segment name' }) }).nullable(),
  ambiguous: z.array(z.string()).meta({ description: 'Several candidates matched equally; none is suggested' }),
});

export const mappingSuggestionsSchema = z.object({
  link: z.string(),
  maps: z.array(z.object({
    setting: z.string().meta({ description: 'The link setting holding the map; confirm entries with PATCH /api/links/{name} {settings: {<setting>: {...}}}' }),
    from: z.string(),
    to: z.string(),
    note: z.string(),
    rows: z.array(rowSchema),
    targets: z.array(z.object({ value: z.string(), label: z.string() })),
    stale: z.array(z.object({ value: z.string(), target: z.string() })).meta({ description: 'Entries whose key is no source value, so no record uses them' }),
  })).meta({ description: "The value maps of the link's pair (none for a pair without any)" }),
});

/** Suggested value maps (Acumatica subaccount → BILL department): read live from both systems, never applied. */
export const mappingRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/links/:name/mapping-suggestions', {
    schema: {
      tags: ['links'],
      summary: "Suggest the link's value maps from both systems (writes nothing)",
      params: linkParams,
      response: { 200: mappingSuggestionsSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
    },
  }, async (req) => {
    const link = await requireLink(ctx, req.params.name);
    return { link: link.name, maps: await suggestValueMaps(ctx.services.deps, link) };
  });
};
