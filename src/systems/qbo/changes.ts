import { ConnectorError } from '../../core/errors.ts';
import type { UndecodedItem } from '../../http/decode.ts';
import { textField } from '../unreadable.ts';
import type { QboCdcEntity, QboCompanyClient } from './company-client.ts';
import type { QboEntityName } from './schema.ts';
import { qboMaxResults } from './spec.ts';

/**
 * CDC looks back at most 30 days and answers at most 1000 objects in all, across the entities asked
 * for (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture);
 * a day's margin keeps a slow clock on either side inside the window.
 */
const cdcWindowMs = 29 * 24 * 3600_000;
const cdcMaxObjects = 1000;
/**
 * When CDC answers 1000 objects, its window is halved toward now until it answers in full or is
 * shorter than this (29 days to a minute: at most 16 calls, only in a company that busy).
 */
const narrowestWindowMs = 60_000;
/**
 * Query pages overlap by this many rows: a record updated or deleted while the listing is paged
 * leaves its place in the LastUpdatedTime order and every row behind it moves up one; without the
 * overlap a row moving across a page boundary would be skipped.
 */
const pageOverlapRows = 10;

/** One record of a change listing; the same id and version twice is one change. */
export interface QboChange {
  /** The caller's entity name (the engine's 'vendor', 'bill', …), not QBO's. */
  entity: string;
  id: string;
  /** SyncToken (QBO adds one per modification), or 'deleted'. */
  version: string;
  /** MetaData.LastUpdatedTime as QBO sent it, when it did. */
  at: string | null;
  deleted: boolean;
}

export interface QboChanges {
  records: QboChange[];
  /** 'cdc': one CDC call answered it all; 'query': the entities were listed by LastUpdatedTime. */
  via: 'cdc' | 'query';
}

export interface QboChangeFeed {
  changedSince(entities: readonly string[], since: Date | null): Promise<QboChanges>;
}

type Stamped = { Id: string; SyncToken?: string; MetaData?: { LastUpdatedTime?: string | undefined } | undefined };

/**
 * What changed in a QBO company since a time, deletions included, for checking what the connector
 * wrote there. A time inside CDC's window is one CDC call for every entity (comma-separated). Past
 * the window, without a time, or when CDC answers its cap of 1000 objects (QBO does not say which
 * it left out), each entity is listed by `MetaData.LastUpdatedTime > since`, 1000 rows a page
 * (query language: https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries).
 * Queries never return deleted records, so deletions then come from CDC over the most recent window
 * it answers in full, halved from the time asked (or 29 days) toward now; a deletion older than that
 * is not visible through QBO's API and shows in reconcile.
 *
 * `entityOf` names the QBO entity behind each caller entity (a BILL bill is a PurchaseOrder or a Bill).
 */
export function qboChangeFeed(client: QboCompanyClient, entityOf: Readonly<Record<string, QboEntityName>>, now: () => number = Date.now): QboChangeFeed {
  const qboNames = (entities: readonly string[]): QboEntityName[] =>
    entities.map((e) => {
      const name = entityOf[e];
      if (!name) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', system: 'qbo', message: `QuickBooks Online has no change listing for '${e}' records` });
      return name;
    });

  async function changedSince(entities: readonly string[], since: Date | null): Promise<QboChanges> {
    const names = qboNames(entities);
    const callerOf = new Map(names.map((n, i) => [n, entities[i]!]));
    const out = new Map<string, QboChange>();
    const add = (c: QboChange) => {
      const key = `${c.entity}:${c.id}`;
      const had = out.get(key);
      // A deletion outranks any live version; otherwise the highest SyncToken is the latest.
      if (!had || c.deleted || (!had.deleted && Number(c.version) > Number(had.version))) out.set(key, c);
    };
    const started = now();
    let cdcFrom = since && started - since.getTime() < cdcWindowMs ? since : null;
    if (cdcFrom) {
      const answer = await client.cdc(names, cdcFrom);
      for (const [name, part] of Object.entries(answer) as [QboEntityName, QboCdcEntity<Stamped>][]) for (const c of fromCdc(callerOf.get(name)!, part)) add(c);
      if (objects(answer) < cdcMaxObjects) return { records: [...out.values()], via: 'cdc' };
      cdcFrom = narrower(cdcFrom, started);
    }
    for (const name of names) for (const c of await listChanged(name, callerOf.get(name)!, since)) add(c);
    // Deletions: the most recent window CDC answers in full (every deletion it shows is kept, capped or not).
    let from = cdcFrom ?? new Date(started - cdcWindowMs);
    for (;;) {
      const answer = await client.cdc(names, from);
      for (const [name, part] of Object.entries(answer) as [QboEntityName, QboCdcEntity<Stamped>][]) {
        for (const c of fromCdc(callerOf.get(name)!, part)) if (c.deleted) add(c);
      }
      if (objects(answer) < cdcMaxObjects || started - from.getTime() < narrowestWindowMs) break;
      from = narrower(from, started);
    }
    return { records: [...out.values()], via: 'query' };
  }

  /** Every record of one entity changed after `since` (all of them without it), oldest change first. */
  async function listChanged(name: QboEntityName, entity: string, since: Date | null): Promise<QboChange[]> {
    const where = since ? [{ field: 'MetaData.LastUpdatedTime', op: '>' as const, value: qboTimeOf(since) }] : [];
    const found: QboChange[] = [];
    for (let start = 1; ; ) {
      const page = await client.queryPage(name, where, start, qboMaxResults, 'MetaData.LastUpdatedTime');
      for (const r of page.records as Stamped[]) found.push(live(entity, r));
      for (const item of page.invalid) {
        const c = undecoded(entity, item);
        if (c) found.push(c);
      }
      const rows = page.records.length + page.invalid.length;
      if (rows < qboMaxResults) return found;
      start += rows - pageOverlapRows;
    }
  }

  return { changedSince };
}

const objects = (answer: Record<string, QboCdcEntity<unknown>>): number =>
  Object.values(answer).reduce((n, part) => n + part.records.length + part.invalid.length + part.deleted.length, 0);

/** Half-way from `from` to `now`: CDC cannot be bounded above, so a narrower window is a later start. */
const narrower = (from: Date, now: number): Date => new Date(now - Math.floor((now - from.getTime()) / 2));

function fromCdc(entity: string, part: QboCdcEntity<Stamped>): QboChange[] {
  return [
    ...part.records.map((r) => live(entity, r)),
    ...part.invalid.flatMap((item) => {
      const c = undecoded(entity, item);
      return c ? [c] : [];
    }),
    ...part.deleted.map((d) => ({ entity, id: d.Id, version: 'deleted', at: d.lastUpdated ?? null, deleted: true })),
  ];
}

const live = (entity: string, r: Stamped): QboChange => ({ entity, id: r.Id, version: r.SyncToken ?? '', at: r.MetaData?.LastUpdatedTime ?? null, deleted: false });

/** A changed record that does not decode is still a change: reading it again names what is wrong with it. */
function undecoded(entity: string, item: UndecodedItem): QboChange | null {
  const id = textField(item, 'Id');
  return id ? { entity, id, version: textField(item, 'SyncToken') ?? '', at: null, deleted: false } : null;
}

/** QBO's DateTime in whole seconds, rounded down so nothing of the second asked for is left out. */
function qboTimeOf(d: Date): string {
  return `${new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
