import type { Db } from '../store/db.ts';
import type { RecordRow } from '../store/repos/records.ts';
import { auditTrail, type AuditRow } from '../store/repos/audit.ts';

/**
 * Records a person can name by any id or number they see on either side: the source or target id
 * (Xero InvoiceID or ContactID, BILL bill, vendor or payment application id), or a word of the
 * record's label, which carries what the vendors' screens show: a bill's invoice number
 * ("GRA-56468 (10487.71 USD)") and a payment's BILL payment id ("BILL stp… blp…"). A vendor is
 * found by its whole name, not by one word of it. Case does not matter for labels.
 */
export async function findRecordsByAnyId(db: Db, id: string, link?: string): Promise<RecordRow[]> {
  const { rows } = await db.query<RecordRow>(
    `select link, entity, source_system, source_id, label, status, reason, error_code, error_message, attempts::int as attempts,
       last_run_id, target_id, updated_at::text as updated_at from records
     where (source_id = $1 or target_id = $1 or lower(label) = lower($1)
        or (entity <> 'vendor' and lower($1) = any(regexp_split_to_array(lower(coalesce(label, '')), '\\s+'))))
       ${link ? 'and link = $2' : ''}
     order by link, entity, source_id`,
    link ? [id, link] : [id],
  );
  return rows;
}

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
