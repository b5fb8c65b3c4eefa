import type { Runtime } from '../app/runtime.ts';
import { withLinkSides } from '../engine/sides.ts';
import type { Link } from '../model/link.ts';
import { billQboSettingsSchema } from '../pairs/bill-qbo/settings.ts';
import { connectBillQboSandbox } from '../sandbox/connect-bill-qbo.ts';
import { getLink, saveLink } from '../store/repos/links.ts';
import type { EmulatorProcess } from './emulator-process.ts';

/**
 * The BILL → QuickBooks Online bench: BILL is the source, so BILL is seeded with the vendors,
 * bills and departments; the QBO emulator keeps the chart its own seed made, as QuickBooks owns it.
 */
export async function seedBillSource(emulators: EmulatorProcess, options: { seed: number; suppliers: number; bills: number }): Promise<{ bills: number; byStatus: Record<string, number> }> {
  const seeded = (await emulators.control('bill', '/seed', { seed: options.seed, vendors: options.suppliers, bills: options.bills, departments: 4 })) as { organizationId: string; bills: number; payments: number };
  emulators.useBillOrganization(seeded.organizationId);
  // The seed pays every fifth bill in full and the next in part, so payments exist from the start.
  return { bills: seeded.bills, byStatus: { 'with a payment': seeded.payments, 'unpaid': seeded.bills - seeded.payments } };
}

/**
 * Connects the link as a user does, then sets the maps a bookkeeper would: every BILL expense
 * account pinned onto a QBO expense account (in turn) and every BILL department onto a QBO class,
 * so every bill can sync. QBO's control state holds counts, not records, so both charts are read
 * through the link's own sides (before the timed phases reset the stats, so these reads are not counted).
 */
export async function connectBillQbo(rt: Runtime, emulators: EmulatorProcess): Promise<Link> {
  const { link } = await connectBillQboSandbox(rt, emulators.qboEndpoints, { linkName: 'bench' });
  const maps = await withLinkSides(rt.deps, link, async (sides) => {
    const [billChart, qboChart, billDepartments, qboClasses] = await Promise.all([
      sides.bill.chart.list(), sides.erp.chart.list(), sides.bill.departments?.list() ?? [], sides.erp.departments?.list() ?? [],
    ]);
    const qboExpense = qboChart.filter((a) => a.kind === 'expense' && a.active);
    if (qboExpense.length === 0 || qboClasses.length === 0) throw new Error('the QBO emulator seed has no expense accounts or classes to map onto');
    const accountMap = Object.fromEntries(billChart.filter((a) => a.kind === 'expense').map((a, i) => [a.id, qboExpense[i % qboExpense.length]!.id]));
    const departmentMap = Object.fromEntries(billDepartments.map((d, i) => [d.id, qboClasses[i % qboClasses.length]!.id]));
    return { accountMap, departmentMap };
  });
  const settings = billQboSettingsSchema.parse({ ...link.settings, ...maps });
  await saveLink(rt.db, { ...link, settings });
  const saved = await getLink(rt.db, link.name);
  if (!saved) throw new Error(`link '${link.name}' was not saved`);
  return saved;
}
