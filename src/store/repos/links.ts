import { linkSettingsSchema, pairOfErp, type Link } from '../../model/link.ts';
import type { Db } from '../db.ts';

interface LinkRow {
  name: string;
  erp_system: Link['erpSystem'];
  erp_connection_id: string;
  bill_connection_id: string;
  settings: unknown;
}

function toLink(r: LinkRow): Link {
  return { name: r.name, pair: pairOfErp[r.erp_system], erpSystem: r.erp_system, erpConnectionId: r.erp_connection_id, billConnectionId: r.bill_connection_id, settings: linkSettingsSchema.parse(r.settings ?? {}) };
}

export async function saveLink(db: Db, link: Link): Promise<void> {
  const settings = linkSettingsSchema.parse(link.settings);
  await db.query(
    `insert into links (name, erp_system, erp_connection_id, bill_connection_id, settings, created_at, updated_at)
     values ($1, $2, $3, $4, $5::jsonb, now(), now())
     on conflict (name) do update set erp_system = excluded.erp_system, erp_connection_id = excluded.erp_connection_id,
       bill_connection_id = excluded.bill_connection_id, settings = excluded.settings, updated_at = now()`,
    [link.name, link.erpSystem, link.erpConnectionId, link.billConnectionId, JSON.stringify(settings)],
  );
}

export async function getLink(db: Db, name: string): Promise<Link | null> {
  const { rows } = await db.query<LinkRow>('select name, erp_system, erp_connection_id, bill_connection_id, settings from links where name = $1', [name]);
  return rows[0] ? toLink(rows[0]) : null;
}

export async function listLinks(db: Db): Promise<Link[]> {
  return (await db.query<LinkRow>('select name, erp_system, erp_connection_id, bill_connection_id, settings from links order by name')).rows.map(toLink);
}
