import type { ErpName, SystemLatency, SystemName } from './latency.ts';

/**
 * The dependency floor: however many calls may be in flight, some must wait for the answer of
 * another, because what they send is built from it. The chain of those round trips, each at its
 * system's latency, is a lower bound no overlap can beat, beside the limits floor (floor.ts).
 *
 * The chains are the documented pipeline (docs/architecture.md, the pair's steps):
 * - first sync: read the ERP (accounts, subaccounts, vendors and bills do not depend on each other)
 *   → create the BILL vendors and accounts the bills reference → create the bills;
 * - payments back: read the BILL payments → read the ERP bills they pay (their current state) →
 *   post the payments. Acumatica's post is three round trips: the Check is saved (its reference
 *   number is Acumatica's answer), then released by that number (`ReleaseCheck` answers 202 with a
 *   Location), then the action's status is read until it is done (Action_Execution example).
 * - BILL → QBO, the other way round: first sync reads BILL's vendors and bills → creates the QBO
 *   vendors the purchase orders reference → creates the purchase orders; payments read the BILL
 *   payments → read the purchase orders they pay (QBO's answer holds the SyncToken and lines the Bill
 *   copies) → create the Bill from the PO (its Id is QBO's answer) → create the BillPayment on it.
 * Pages of a list read by token follow one another, so each counts (RoundTrip.pagedBy); what a page
 * brings is handled while the next is read, so only the last page's records wait for the rest.
 * A round trip counts only when the run made a call of its kind (a payments-back run that found
 * nothing to post has no post on its path), so the count follows what the run did. A write carries
 * at least one item, so it is counted with one item's per-item latency.
 */
export interface RoundTrip {
  system: SystemName;
  what: string;
  write: boolean;
  /** Matches the endpoint names of the emulator stats ("POST /connect/v3/bills/bulk"). */
  endpoint: RegExp;
  /**
   * A list read whose next page is asked for with a token from the previous page's answer (BILL v3:
   * `nextPage` passed back as `page`, reference apis-bill-acumatica.md): its pages are round trips
   * one after another, so the chain counts one per call to this endpoint (the list, not reads by id).
   */
  pagedBy?: RegExp;
}

const acumaticaApi = String.raw`\S*\/entity\/Default\/[^/\s]+`;
const acumatica = (method: string, tail: string) => new RegExp(`^${method} ${acumaticaApi}\\/${tail}`);
/** QBO stats name calls "POST /v3/company/:realmId/purchaseorder". */
const qbo = (method: string, tail: string) => new RegExp(`^${method} \\S*\\/v3\\/company\\/[^/\\s]+\\/${tail}`);

/** BILL's payments list (pages), not a payment read by id. */
const billPaymentsList = /^GET \S*\/v3\/payments$/;

export const criticalPaths: Record<ErpName, Record<string, readonly RoundTrip[]>> = {
  xero: {
    'first sync': [
      { system: 'xero', what: 'read accounts, suppliers and bills', write: false, endpoint: /^GET \S*\/api\.xro\/2\.0\/(Accounts|Contacts|Invoices)\b/ },
      { system: 'bill', what: 'create vendors and accounts', write: true, endpoint: /^POST \S*\/v3\/(vendors|classifications\/chart-of-accounts)(\/bulk)?$/ },
      { system: 'bill', what: 'create bills', write: true, endpoint: /^POST \S*\/v3\/bills(\/bulk)?$/ },
    ],
    'payments back': [
      { system: 'bill', what: 'read payments', write: false, endpoint: /^GET \S*\/v3\/payments\b/, pagedBy: billPaymentsList },
      { system: 'xero', what: 'read the bills they pay', write: false, endpoint: /^GET \S*\/api\.xro\/2\.0\/Invoices\b/ },
      { system: 'xero', what: 'post payments', write: true, endpoint: /^(PUT|POST) \S*\/api\.xro\/2\.0\/Payments\b/ },
    ],
  },
  acumatica: {
    'first sync': [
      { system: 'acumatica', what: 'read accounts, subaccounts, vendors and bills', write: false, endpoint: acumatica('GET', String.raw`(Account|Subaccount|Vendor|Bill)$`) },
      { system: 'bill', what: 'create vendors and accounts', write: true, endpoint: /^POST \S*\/v3\/(vendors|classifications\/chart-of-accounts)(\/bulk)?$/ },
      { system: 'bill', what: 'create bills', write: true, endpoint: /^POST \S*\/v3\/bills(\/bulk)?$/ },
    ],
    'payments back': [
      { system: 'bill', what: 'read payments', write: false, endpoint: /^GET \S*\/v3\/payments\b/, pagedBy: billPaymentsList },
      { system: 'acumatica', what: 'read the bills they pay', write: false, endpoint: acumatica('GET', String.raw`Bill$`) },
      { system: 'acumatica', what: 'save the payment', write: true, endpoint: acumatica('PUT', String.raw`Check$`) },
      { system: 'acumatica', what: 'release it', write: true, endpoint: acumatica('POST', String.raw`Check\/ReleaseCheck$`) },
      { system: 'acumatica', what: 'read the release done', write: false, endpoint: acumatica('GET', String.raw`Check\/ReleaseCheck\/status\/`) },
    ],
  },
  qbo: {
    'first sync': [
      { system: 'bill', what: 'read vendors and bills', write: false, endpoint: /^GET \S*\/v3\/(vendors|bills)\b/ },
      { system: 'qbo', what: 'create vendors', write: true, endpoint: qbo('POST', String.raw`vendor$`) },
      { system: 'qbo', what: 'create purchase orders', write: true, endpoint: qbo('POST', String.raw`purchaseorder$`) },
    ],
    payments: [
      { system: 'bill', what: 'read payments', write: false, endpoint: /^GET \S*\/v3\/payments\b/, pagedBy: billPaymentsList },
      { system: 'qbo', what: 'read the purchase orders they pay', write: false, endpoint: qbo('(GET|POST)', String.raw`query\b|^GET \S*\/purchaseorder\/`) },
      { system: 'qbo', what: 'create the Bill from the PO', write: true, endpoint: qbo('POST', String.raw`bill$`) },
      { system: 'qbo', what: 'create the BillPayment', write: true, endpoint: qbo('POST', String.raw`billpayment$`) },
    ],
  },
};

export interface DependencyFloor {
  /** Where the chain comes from: the documented pipeline, trimmed to the kinds of call the run made. */
  source: 'documented pipeline, trimmed to the calls the run made' | 'no documented pipeline for this phase';
  roundTrips: { system: SystemName; what: string; ms: number }[];
  floorMs: number;
}

export function dependencyFloor(
  phase: string,
  callsByEndpoint: Partial<Record<SystemName, Record<string, number>>>,
  latency: Partial<Record<SystemName, SystemLatency>>,
  erp: ErpName = 'xero',
): DependencyFloor {
  const path = criticalPaths[erp][phase];
  if (!path) return { source: 'no documented pipeline for this phase', roundTrips: [], floorMs: 0 };
  const made = (trip: RoundTrip) => Object.entries(callsByEndpoint[trip.system] ?? {}).some(([endpoint, n]) => n > 0 && trip.endpoint.test(endpoint));
  const pages = (trip: RoundTrip) => Object.entries(callsByEndpoint[trip.system] ?? {}).reduce((n, [endpoint, calls]) => n + (trip.pagedBy?.test(endpoint) ? calls : 0), 0);
  const roundTrips = path.filter(made).flatMap((trip) => {
    const l = latency[trip.system];
    if (!l) throw new Error(`no latency given for ${trip.system}, which the ${phase} path of ${erp} crosses`);
    const n = Math.max(1, pages(trip));
    return Array.from({ length: n }, (_, i) => ({ system: trip.system, what: n > 1 ? `${trip.what} (page ${i + 1} of ${n})` : trip.what, ms: l.baseMs + (trip.write ? l.perItemMs : 0) }));
  });
  return { source: 'documented pipeline, trimmed to the calls the run made', roundTrips, floorMs: roundTrips.reduce((sum, t) => sum + t.ms, 0) };
}
