/**
 * The emulated latency of each system in a benchmark run: a base per call and, for bulk and batch
 * calls, a cost per item on top (the emulators' `--latency-per-item-ms`).
 */
export type ErpName = 'xero' | 'acumatica' | 'qbo';
export const erpNames: readonly ErpName[] = ['xero', 'acumatica', 'qbo'];
export type SystemName = ErpName | 'bill';
export const systemNames: readonly SystemName[] = ['xero', 'acumatica', 'qbo', 'bill'];

/** The systems of one run: its ERP, then BILL. */
export const systemsOf = (erp: ErpName): [ErpName, 'bill'] => [erp, 'bill'];

export const systemLabel: Record<SystemName, string> = { xero: 'Xero', acumatica: 'Acumatica', qbo: 'QBO', bill: 'BILL' };

/** Whether the run's records go from BILL to the ledger (BILL → QuickBooks Online) rather than from the ERP to BILL. */
export const billIsSource = (erp: ErpName): boolean => erp === 'qbo';

export interface SystemLatency {
  /** Held for every API call. */
  baseMs: number;
  /** Held per item of a bulk or batch body (BILL `POST /v3/bills/bulk`, Xero `{"Payments": [...]}`). */
  perItemMs: number;
}

export type LatencyProfile = 'loopback' | 'real';
export const latencyProfiles: readonly LatencyProfile[] = ['loopback', 'real'];

/**
 * `real`: what a production call costs, so the figures speak to production rather than to loopback.
 * 300 ms per call is the order of a round trip to either service from a server in another region
 * (the issue's measured figure). The per-item costs are assumptions, not vendor-published figures:
 * neither Xero nor BILL documents how a batch's time grows with its size. We take 5 ms per bill,
 * vendor or other record for BILL's bulk creates (a bulk of 200 bills then takes 1.3 s) and 3 ms
 * per element for Xero's batch PUT/POST (a batch of 50 payments then takes 0.45 s).
 *
 * Acumatica at 500 ms, also an assumption (Acumatica publishes no response times): every customer
 * runs an instance of their own rather than a shared API tier, and each contract-based REST call
 * runs the screen's business logic behind the entity (a Check save validates the vendor, the cash
 * account and each application against the bill; a list page of 100 bills comes with their detail
 * lines), so a call costs more than a Xero or BILL one on the same network path. Acumatica has no
 * bulk create (a PUT writes one record), so no per-item cost.
 *
 * QuickBooks Online at 400 ms, also an assumption (Intuit publishes no response times): one shared
 * multi-tenant API like Xero's, but each write runs QuickBooks' transaction rules on the company
 * file (a Bill made from a PurchaseOrder links and closes it; a BillPayment re-balances the Bill),
 * and every write answers with the whole entity, so a call is put a little above Xero's. The
 * connector writes QBO one entity per call (no batch), so no per-item cost.
 *
 * `loopback` (the default): the emulators' 25 ms, no per-item cost.
 */
const profiles: Record<LatencyProfile, Record<SystemName, SystemLatency>> = {
  loopback: { xero: { baseMs: 25, perItemMs: 0 }, acumatica: { baseMs: 25, perItemMs: 0 }, qbo: { baseMs: 25, perItemMs: 0 }, bill: { baseMs: 25, perItemMs: 0 } },
  real: { xero: { baseMs: 300, perItemMs: 3 }, acumatica: { baseMs: 500, perItemMs: 0 }, qbo: { baseMs: 400, perItemMs: 0 }, bill: { baseMs: 300, perItemMs: 5 } },
};

export interface LatencyFlags {
  profile: LatencyProfile;
  /** --latency-ms: the base of every system (overrides the profile's). */
  latencyMs?: number;
  /** --xero-latency-ms / --acumatica-latency-ms / --qbo-latency-ms / --bill-latency-ms: one system's base (overrides --latency-ms). */
  perSystemMs: Partial<Record<SystemName, number>>;
}

/** Each system's latency: the profile's, then --latency-ms, then that system's own flag. */
export function resolveLatency(flags: LatencyFlags): Record<SystemName, SystemLatency> {
  const chosen = profiles[flags.profile];
  const one = (system: SystemName): SystemLatency => ({
    baseMs: flags.perSystemMs[system] ?? flags.latencyMs ?? chosen[system].baseMs,
    perItemMs: chosen[system].perItemMs,
  });
  return { xero: one('xero'), acumatica: one('acumatica'), qbo: one('qbo'), bill: one('bill') };
}

/** The latency of the run's systems, in words ("Xero 300 ms + 3 ms per bulk item, BILL 300 ms ..."). */
export function describeLatency(latency: Record<SystemName, SystemLatency>, erp: ErpName = 'xero'): string {
  const one = (s: SystemName) => `${systemLabel[s]} ${latency[s].baseMs} ms${latency[s].perItemMs > 0 ? ` + ${latency[s].perItemMs} ms per bulk item` : ''}`;
  return systemsOf(erp).map(one).join(', ');
}
