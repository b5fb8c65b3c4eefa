import type { ErpName, SystemName } from './latency.ts';

/**
 * The shortest time a run could take given the calls it made, the emulated latency and each
 * system's published limits; the benchmark divides the measured time by it.
 *
 * For one system making `calls` calls, each taking `latency` (plus, for bulk calls, the per-item
 * latency the emulator reports having held, `itemMs` in all):
 * - concurrency: at most `concurrency` calls are in flight, so the calls need at least
 *   (calls × latency + itemMs) / concurrency;
 * - rate: at most `perWindow` calls start in any window of `windowMs`, so the last call cannot
 *   start before ⌈calls / perWindow⌉ − 1 whole windows have passed, and it still takes `latency`.
 * The system's floor is the larger of the two. The run's floor is the largest system floor: the two
 * systems can be busy at the same time, so no run can beat its busiest system.
 */
export interface SystemLimits {
  concurrency: number;
  rate: { perWindow: number; windowMs: number } | null;
}

/**
 * Published limits (docs: developer.xero.com/documentation/oauth2/limits,
 * developer.bill.com/docs/api-rate-limits), not the client's slightly lower budgets. Acumatica's
 * are the customer's licence (License Restrictions for API Users; none is published per tier): the
 * bench's instance has the emulator's licence, 4 concurrent requests and 600 a minute
 * (benchAcumaticaLicence), and the connection is told so, as a deployment with that licence would be.
 * QuickBooks Online's: 500 requests a minute and 10 in flight per realm (developer.intuit.com,
 * "API call limits and throttles"; the QBO emulator enforces the same).
 */
export const benchAcumaticaLicence = { concurrentRequests: 4, requestsPerMinute: 600 } as const;

export const publishedLimits: Record<SystemName, SystemLimits> = {
  xero: { concurrency: 5, rate: { perWindow: 60, windowMs: 60_000 } },
  acumatica: { concurrency: benchAcumaticaLicence.concurrentRequests, rate: { perWindow: benchAcumaticaLicence.requestsPerMinute, windowMs: 60_000 } },
  qbo: { concurrency: 10, rate: { perWindow: 500, windowMs: 60_000 } },
  bill: { concurrency: 3, rate: { perWindow: 20_000, windowMs: 3_600_000 } },
};

const erpLimitsLine: Record<ErpName, string> = {
  xero: 'Xero: 5 concurrent, 60 calls/minute per tenant',
  acumatica: `Acumatica: the bench instance's licence, ${benchAcumaticaLicence.concurrentRequests} concurrent, ${benchAcumaticaLicence.requestsPerMinute} requests/minute (slowed past half of it)`,
  qbo: 'QBO: 10 concurrent, 500 requests/minute per realm',
};

export interface SystemFloor {
  calls: number;
  concurrencyMs: number;
  rateMs: number;
  floorMs: number;
}

export function systemFloor(calls: number, latencyMs: number, limits: SystemLimits, itemMs = 0): SystemFloor {
  if (calls === 0) return { calls, concurrencyMs: 0, rateMs: 0, floorMs: 0 };
  const concurrencyMs = (calls * latencyMs + itemMs) / limits.concurrency;
  const rateMs = limits.rate ? (Math.ceil(calls / limits.rate.perWindow) - 1) * limits.rate.windowMs + latencyMs : 0;
  return { calls, concurrencyMs, rateMs, floorMs: Math.max(concurrencyMs, rateMs) };
}

export function runFloor(floors: readonly SystemFloor[]): number {
  return Math.max(0, ...floors.map((f) => f.floorMs));
}

export const floorExplanation = (erp: ErpName): string[] => [
  'limits floor per system = max((calls × latency + per-item latency held) / concurrency, (⌈calls / per-window⌉ − 1) × window + latency)',
  `  ${erpLimitsLine[erp]}; BILL: 3 concurrent per organisation, 20,000/hour`,
  'limits floor of a run = the largest system floor (both systems can work at once)',
  'dependency floor = the round trips the data forces one after another, each at its system\'s latency (a write with one item\'s per-item latency)',
  'ratio = measured / max(limits floor, dependency floor)',
  'each emulator serves from one single-threaded process, so its CPU time is also a lower bound for its system: the second ratio uses the largest of each system\'s max(system floor, that emulator\'s CPU) and the dependency floor',
];
