/** Options of the Acumatica emulator and the dependencies its routes share. */
import type { EmulatorContext, EmulatorOptions } from '../kit/base.ts';
import type { Licence } from './licence.ts';
import type { Push } from './push.ts';
import type { SeedInput } from './seed.ts';
import type { AcumaticaState } from './state.ts';

export interface AcumaticaEmulatorOptions extends EmulatorOptions {
  /** Versions of the Default endpoint this instance serves (default ['24.200.001']); any other is 404. */
  versions?: string[];
  /** Tenants of the instance (default ['Company']); each is seeded alike from its own seed. */
  tenants?: string[];
  /** The licence's Maximum Number of Web Services API Users: live sessions at once (trial licence: 2) [AIR:IS__con_License_Restrictions_API_Users.md]. */
  apiUsers?: number;
  /** Maximum Number of Concurrent Web Services API Requests (default 4). */
  concurrentRequests?: number;
  /** Maximum Web Services API Requests per Minute (default 600). */
  requestsPerMinute?: number;
  /** More queued requests than this are declined with 429 (Acumatica: 20). */
  maxQueued?: number;
  /** A request queued longer than this is declined with 429 (Acumatica: 10 minutes). */
  maxQueueWaitMs?: number;
  /** Multiplies the per-minute slow-down delay (tests shrink it; default 1). */
  throttleDelayScale?: number;
  /** A session unused this long is over (default 20 minutes, on the emulator clock). */
  sessionIdleMs?: number;
  /** AP Preferences "Hold Documents on Entry": a bill created without Hold is On Hold (default true). */
  holdOnEntry?: boolean;
  /** AP Preferences "Raise an Error On Duplicate Vendor Reference Number" (default false). */
  uniqueVendorRef?: boolean;
  /**
   * Whether an OAuth grant holds a licence seat like a cookie session (B2: with scope `api` one session
   * per grant; refreshed tokens reuse it). Off by default; when on, the seat is taken at the grant's
   * first API call and idles out like a session, and a call finding no free seat is 429 API Login Limit.
   */
  oauthHoldsSeats?: boolean;
  /**
   * B2: while a long-running action of a session runs, only its status request succeeds; the
   * session's other requests fail (500) until it is done. Off by default.
   */
  oneOperationPerSession?: boolean;
  /** Status polls of a long-running action that still answer 202 before it answers 204 (default 1). */
  actionPolls?: number;
  initialSeed?: SeedInput;
}

/** Acumatica's own options, resolved (the kit's common ones stay on the EmulatorContext). */
export type ResolvedOptions = Required<Omit<AcumaticaEmulatorOptions, keyof EmulatorOptions | 'initialSeed'>>;

export function resolveOptions(o: AcumaticaEmulatorOptions): ResolvedOptions {
  return {
    versions: o.versions ?? ['24.200.001'],
    tenants: o.tenants ?? ['Company'],
    apiUsers: o.apiUsers ?? 2,
    concurrentRequests: o.concurrentRequests ?? 4,
    requestsPerMinute: o.requestsPerMinute ?? 600,
    maxQueued: o.maxQueued ?? 20,
    maxQueueWaitMs: o.maxQueueWaitMs ?? 10 * 60_000,
    throttleDelayScale: o.throttleDelayScale ?? 1,
    sessionIdleMs: o.sessionIdleMs ?? 20 * 60_000,
    holdOnEntry: o.holdOnEntry ?? true,
    uniqueVendorRef: o.uniqueVendorRef ?? false,
    actionPolls: o.actionPolls ?? 1,
    oauthHoldsSeats: o.oauthHoldsSeats ?? false,
    oneOperationPerSession: o.oneOperationPerSession ?? false,
  };
}

export interface AcumaticaDeps {
  ctx: EmulatorContext;
  state: AcumaticaState;
  options: ResolvedOptions;
  licence: Licence;
  push: Push;
}
