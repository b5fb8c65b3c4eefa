import { formatMoney } from '../../core/money.ts';
import { entities } from '../../engine/link.ts';
import { getMappingsByTarget } from '../../store/repos/id-map.ts';
import { getLink } from '../../store/repos/links.ts';
import { recordLabels, type RecordRow } from '../../store/repos/records.ts';
import type { ServerServices } from '../contract.ts';
import { withLinkSides } from '../../engine/sides.ts';

/**
 * A BILL payment as a bookkeeper knows it: "Acme Supplies · 120.00 USD · bill INV-0042 · paid
 * 2026-11-20", instead of the ids in its record's label ("BILL stp… blp…", the reference the
 * engine posts and searches by, so it stays the label). The store keeps only those ids, so the
 * facts are read from the systems: the payment from BILL (by its payment id), the bill it paid from
 * the ERP through the id map, the vendor's name from its record. One read per system and page of
 * payments, remembered for the life of the process, since a payment's amount, date and bill never
 * change. A read that fails leaves the ids: the page is still drawn.
 */
export interface PaymentFacts {
  vendor: string | null;
  amount: string;
  billNumber: string | null;
  date: string;
}

const remembered = new Map<string, PaymentFacts>();
const rememberAtMost = 5000;
const keyOf = (link: string, applicationId: string): string => `${link}\u0000${applicationId}`;

export function describePayment(f: PaymentFacts): string {
  return [f.vendor, f.amount, f.billNumber ? `bill ${f.billNumber}` : null, `paid ${f.date}`].filter(Boolean).join(' · ');
}

/** Facts of the payment records among `rows`, by source id (application id); those that cannot be read are left out. */
export async function paymentFacts(services: ServerServices, rows: readonly Pick<RecordRow, 'link' | 'entity' | 'source_id' | 'label'>[]): Promise<Map<string, PaymentFacts>> {
  const out = new Map<string, PaymentFacts>();
  const byLink = new Map<string, { applicationId: string; label: string }[]>();
  for (const r of rows) {
    if (r.entity !== entities.payment) continue;
    const known = remembered.get(keyOf(r.link, r.source_id));
    if (known) {
      out.set(r.source_id, known);
      continue;
    }
    if (r.label) byLink.set(r.link, [...(byLink.get(r.link) ?? []), { applicationId: r.source_id, label: r.label }]);
  }
  for (const [linkName, wanted] of byLink) {
    try {
      const link = await getLink(services.db, linkName);
      if (!link) continue;
      await withLinkSides(services.deps, link, async ({ erp, bill: hub }) => {
        const apps = (await hub.read.payment!.get(wanted.map((w) => w.applicationId), new Map(wanted.map((w) => [w.applicationId, w.label])))).items;
        const mapped = await getMappingsByTarget(services.db, { link: link.name, entity: entities.bill }, apps.map((a) => a.billId));
        const erpBillIds = [...new Set([...mapped.values()].map((m) => m.source_id))];
        const bills = new Map((erpBillIds.length > 0 ? (await erp.read.bill!.get(erpBillIds)).items : []).map((b) => [b.id, b]));
        const vendors = await recordLabels(services.db, link.name, entities.vendor, [...new Set([...bills.values()].map((b) => b.vendorId))]);
        for (const a of apps) {
          const bill = bills.get(mapped.get(a.billId)?.source_id ?? '');
          const facts: PaymentFacts = {
            vendor: bill ? vendors.get(bill.vendorId) ?? null : null,
            amount: `${formatMoney(a.amount)} ${a.amount.currency}`,
            billNumber: bill?.invoiceNumber ?? null,
            date: a.date,
          };
          out.set(a.id, facts);
          if (remembered.size >= rememberAtMost) remembered.clear();
          remembered.set(keyOf(link.name, a.id), facts);
        }
      });
    } catch (e) {
      services.log.warn({ link: linkName, err: e instanceof Error ? e.message : String(e) }, 'payment details could not be read for the dashboard');
    }
  }
  return out;
}
