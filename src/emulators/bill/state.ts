import type { Clock } from '../../core/clock.ts';
import { Rng } from '../kit/rng.ts';
import { SessionStore } from '../kit/sessions.ts';
import { WireOverrides } from '../kit/wire-overrides.ts';
import type { Organization, SessionData } from './model.ts';

/** BILL's 3-character object id prefixes ([BD:bill-generated-ids], reference A3 and A14.7). */
export const idPrefix = {
  user: '006',
  organization: '008',
  vendor: '009',
  bill: '00n',
  billLine: 'bli',
  payment: 'stp',
  billPayment: 'blp',
  account: '0ca',
  department: '0de',
  bankAccount: 'bac',
  recurringBill: 'btp',
  voidRequest: 'pvr',
} as const;

const idAlphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];

export const sandboxUser = {
  username: 'ap@example.com',
  password: 'sandbox-password',
} as const;

export const sandboxDevKey = 'mlc-sandbox-devkey';

/**
 * Everything the emulator holds. Ids come from `rng` (seeded), session ids, security keys and event
 * ids from separate streams so that logging in or subscribing never shifts the ids of the records.
 */
export class BillState {
  orgs = new Map<string, Organization>();
  /** `POST /v3/login` sessions: 35 minutes idle ends one ([BR:login], A2); no cap on how many. */
  readonly sessions: SessionStore<SessionData>;
  defaultOrgId = '';
  userId = '';
  rng: Rng;
  secretRng: Rng;
  eventRng: Rng;
  seed: number;

  constructor(
    readonly clock: Clock,
    seed: number,
    sessionIdleMs: number,
  ) {
    this.sessions = new SessionStore(clock, { idleMs: sessionIdleMs, newId: () => this.newSecret(32) });
    this.seed = seed;
    this.rng = new Rng(seed);
    this.secretRng = new Rng(seed ^ 0x5e55);
    this.eventRng = new Rng(seed ^ 0xe7e7);
  }

  /** Forgets everything and restarts every random stream from `seed`. */
  reset(seed: number): void {
    this.seed = seed;
    this.orgs.clear();
    this.sessions.clear();
    this.rng = new Rng(seed);
    this.secretRng = new Rng(seed ^ 0x5e55);
    this.eventRng = new Rng(seed ^ 0xe7e7);
    this.userId = this.newId('user');
    this.defaultOrgId = '';
  }

  /** A 20-character id: the type prefix, "01", then 15 seeded characters. */
  newId(kind: keyof typeof idPrefix): string {
    let tail = '';
    for (let i = 0; i < 15; i += 1) tail += this.rng.pick(idAlphabet);
    return `${idPrefix[kind]}01${tail}`;
  }

  newSecret(length: number): string {
    let out = '';
    for (let i = 0; i < length; i += 1) out += this.secretRng.pick(idAlphabet);
    return out;
  }

  newEventId(): string {
    return this.eventRng.uuid();
  }

  now(): number {
    return this.clock.now();
  }

  /** A new updatedTime: the clock, but always at least 1 ms after the previous value so every change bumps it. */
  bump(previous: number): number {
    return Math.max(this.clock.now(), previous + 1);
  }

  createOrganization(name: string, createdTime: number): Organization {
    const org: Organization = {
      id: this.newId('organization'),
      name,
      createdTime,
      vendors: new Map(),
      bills: new Map(),
      payments: new Map(),
      paymentsByBill: new Map(),
      accounts: new Map(),
      departments: new Map(),
      recurringBills: new Map(),
      subscriptions: new Map(),
      events: new Map(),
      idempotency: new Map(),
      wire: new WireOverrides(),
    };
    this.orgs.set(org.id, org);
    if (!this.defaultOrgId) this.defaultOrgId = org.id;
    return org;
  }

  org(id: string): Organization | undefined {
    return this.orgs.get(id);
  }

  /** The organisation that holds a bill (control routes address bills without a session). */
  orgOfBill(billId: string): Organization | undefined {
    for (const org of this.orgs.values()) if (org.bills.has(billId)) return org;
    return undefined;
  }

  /** The organisation that holds a vendor, bill, payment or recurring bill with this id. */
  orgOfRecord(id: string): Organization | undefined {
    for (const org of this.orgs.values()) {
      if (org.vendors.has(id) || org.bills.has(id) || org.payments.has(id) || org.recurringBills.has(id)) return org;
    }
    return undefined;
  }

  orgOfPayment(paymentId: string): Organization | undefined {
    for (const org of this.orgs.values()) if (org.payments.has(paymentId)) return org;
    return undefined;
  }
}
