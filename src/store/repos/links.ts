import { ConnectorError } from '../../core/errors.ts';
import { linkSettingsSchema, type Link } from '../../model/link.ts';
import type { Db } from '../db.ts';

interface LinkRow {
  name: string;
  pair: Link['pair'];
  erp_system: Link['erpSystem'];
  erp_connection_id: string;
  bill_connection_id: string;
  settings: unknown;
}

const columns = 'name, pair, erp_system, erp_connection_id, bill_connection_id, settings';

function toLink(r: LinkRow): Link {
  return { name: r.name, pair: r.pair, erpSystem: r.erp_system, erpConnectionId: r.erp_connection_id, billConnectionId: r.bill_connection_id, settings: linkSettingsSchema.parse(r.settings ?? {}) };
}

/** Creates or replaces a link. The tenants it is pinned to (pinLinkTenants) are kept as they are. */
export async function saveLink(db: Db, link: Link): Promise<void> {
  const settings = linkSettingsSchema.parse(link.settings);
  await db.query(
    `insert into links (name, pair, erp_system, erp_connection_id, bill_connection_id, settings, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6::jsonb, now(), now())
     on conflict (name) do update set pair = excluded.pair, erp_system = excluded.erp_system, erp_connection_id = excluded.erp_connection_id,
       bill_connection_id = excluded.bill_connection_id, settings = excluded.settings, updated_at = now()`,
    [link.name, link.pair, link.erpSystem, link.erpConnectionId, link.billConnectionId, JSON.stringify(settings)],
  );
}

export async function getLink(db: Db, name: string): Promise<Link | null> {
  const { rows } = await db.query<LinkRow>(`select ${columns} from links where name = $1`, [name]);
  return rows[0] ? toLink(rows[0]) : null;
}

export async function listLinks(db: Db): Promise<Link[]> {
  return (await db.query<LinkRow>(`select ${columns} from links order by name`)).rows.map(toLink);
}

/** The ERP tenant and BILL organisation a link synced with; null for a side not pinned yet. */
export interface LinkTenants {
  erpTenantId: string | null;
  billOrgId: string | null;
}

/** The tenants a link is pinned to, or null when there is no such link. */
export async function getLinkTenants(db: Db, linkName: string): Promise<LinkTenants | null> {
  const { rows } = await db.query<{ erp_tenant_id: string | null; bill_org_id: string | null }>('select erp_tenant_id, bill_org_id from links where name = $1', [linkName]);
  return rows[0] ? { erpTenantId: rows[0].erp_tenant_id, billOrgId: rows[0].bill_org_id } : null;
}

const sides = [
  { key: 'erpTenantId', connection: 'erpConnectionId', what: 'ERP tenant', kind: 'ERP' },
  { key: 'billOrgId', connection: 'billConnectionId', what: 'BILL organisation', kind: 'BILL' },
] as const;

/** The tenants a link would run against, and (when it is being re-pointed) the connections that reach them. */
export interface WantedTenants {
  erpTenantId?: string | null;
  billOrgId?: string | null;
  erpConnectionId?: string;
  billConnectionId?: string;
}

/**
 * Why the link cannot run against (or be pointed at) these tenants, or null when it can: every
 * pinned side must stay the same tenant. The id map, cursors and records of a link hold ids of the
 * tenants it synced with, so reusing them for another tenant would link records that do not exist
 * there (or, worse, records that do and are someone else's). Names the side that differs.
 */
export function tenantMismatch(linkName: string, pinned: LinkTenants, wanted: WantedTenants): { side: 'erp' | 'bill'; message: string } | null {
  for (const side of sides) {
    const was = pinned[side.key];
    const now = wanted[side.key];
    if (was === null || now === undefined || now === was) continue;
    const via = wanted[side.connection] ? `${side.kind} connection '${wanted[side.connection]}'` : `its ${side.kind} connection now`;
    const reaches = now === null ? 'no tenant' : `${side.what} '${now}'`;
    return {
      side: side.key === 'erpTenantId' ? 'erp' : 'bill',
      message: `link '${linkName}' synced with ${side.what} '${was}' and stays pinned to it, but ${via} reaches ${reaches}; `
        + `use a connection to '${was}', or create a new link for ${now === null ? 'the other tenant' : `'${now}'`}`,
    };
  }
  return null;
}

/**
 * Pins a link to the ERP tenant and BILL organisation it runs against: sets each side that is not
 * pinned yet and refuses (MLC_ERR_CONFIG) a side pinned to another tenant — a connection re-made
 * against another tenant, or a link re-pointed. Called at the start of every run. Both sides are
 * set in one conditional statement, so a refused call pins nothing and two runs starting together
 * against different tenants cannot both win.
 */
export async function pinLinkTenants(db: Db, linkName: string, tenants: { erpTenantId: string; billOrgId: string }): Promise<void> {
  const noLink = () => new ConnectorError({ code: 'MLC_ERR_CONFIG', message: `no link named '${linkName}'` });
  let pinned = await getLinkTenants(db, linkName);
  if (!pinned) throw noLink();
  if (pinned.erpTenantId === null || pinned.billOrgId === null) {
    const { rowCount } = await db.query(
      `update links set erp_tenant_id = coalesce(erp_tenant_id, $2), bill_org_id = coalesce(bill_org_id, $3), updated_at = now()
        where name = $1 and coalesce(erp_tenant_id, $2) = $2 and coalesce(bill_org_id, $3) = $3`,
      [linkName, tenants.erpTenantId, tenants.billOrgId],
    );
    if (rowCount === 1) return;
    // Pinned to another tenant already, perhaps by a run that started at the same moment.
    pinned = await getLinkTenants(db, linkName);
    if (!pinned) throw noLink();
  }
  const mismatch = tenantMismatch(linkName, pinned, tenants);
  if (mismatch) throw new ConnectorError({ code: 'MLC_ERR_CONFIG', message: mismatch.message });
}
