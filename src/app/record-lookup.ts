import type { Db } from '../store/db.ts';
import type { RecordRow } from '../store/repos/records.ts';
import { auditTrail, type AuditRow } from '../store/repos/audit.ts';

/** The audit trail of each record found (by its source id), or of the id itself when none is, oldest first. */
export async function trailOf(db: Db, id: string, records: readonly RecordRow[], link?: string): Promise<AuditRow[]> {
  const keys = records.length ? [...new Set(records.map((r) => r.source_id))] : [id];
  const seen = new Map<number, AuditRow>();
  for (const key of keys) for (const row of await auditTrail(db, key, link)) seen.set(row.id, row);
  return [...seen.values()].sort((a, b) => a.id - b.id);
}

export interface PaymentAgainst {
  link: string;
  sourceId: string;
  label: string | null;
  status: string;
  targetId: string | null;
  amount: string | null;
  currency: string | null;
}

/**
 * The BILL payments posted (or being posted) against the ERP bills among `records`: the id map
 * keeps each payment's ERP bill id beside it (extra.erpBillId), so a bill's trail can show them.
 */
export async function paymentsAgainst(db: Db, records: readonly RecordRow[]): Promise<PaymentAgainst[]> {
  const bills = records.filter((r) => r.entity === 'bill');
  if (bills.length === 0) return [];
  const { rows } = await db.query<PaymentAgainst>(
    `select m.link, m.source_id as "sourceId", r.label, coalesce(r.status, m.state) as status, m.target_id as "targetId",
       m.extra->>'amount' as amount, m.extra->>'currency' as currency
     from id_map m left join records r on r.link = m.link and r.entity = m.entity and r.source_id = m.source_id
     where m.entity = 'payment' and m.extra->>'erpBillId' = any($1::text[]) and m.link = any($2::text[])
     order by m.created_at`,
    [bills.map((b) => b.source_id), [...new Set(bills.map((b) => b.link))]],
  );
  return rows;
}
