import { Rng } from '../kit/rng.ts';
import { WireOverrides } from '../kit/wire-overrides.ts';
import type { Account, Contact, Invoice, Organisation, Payment, PurchaseOrder, TaxRate, TrackingCategory } from './model.ts';

/** A change Xero would announce by webhook (XW): only contacts and invoices have event categories. */
export interface ChangeEvent {
  tenantId: string;
  category: 'CONTACT' | 'INVOICE';
  type: 'CREATE' | 'UPDATE';
  resourceId: string;
  at: number;
}

interface Snapshot {
  accounts: Map<string, Account>;
  contacts: Map<string, Contact>;
  invoices: Map<string, Invoice>;
  payments: Map<string, Payment>;
  trackingCategories: Map<string, TrackingCategory>;
  purchaseOrders: Map<string, PurchaseOrder>;
  counters: { invoiceNumber: number; purchaseOrderNumber: number };
}

/**
 * One organisation's books. Ids come from the tenant's seeded generator, so the same seed and the
 * same sequence of calls give the same ids. Maps keep insertion order, which is the default listing
 * order (creation order) the emulator uses.
 */
export class Tenant {
  accounts = new Map<string, Account>();
  contacts = new Map<string, Contact>();
  invoices = new Map<string, Invoice>();
  payments = new Map<string, Payment>();
  trackingCategories = new Map<string, TrackingCategory>();
  purchaseOrders = new Map<string, PurchaseOrder>();
  counters = { invoiceNumber: 0, purchaseOrderNumber: 0 };
  taxRates: TaxRate[] = [];
  /** Test knob (`POST /_emulator/wire-overrides`): invoices and contacts sent altered by the read routes. */
  readonly wire = new WireOverrides();
  rng: Rng;

  constructor(
    readonly tenantId: string,
    public organisation: Organisation,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  get name(): string {
    return this.organisation.Name;
  }

  uuid(): string {
    return this.rng.uuid();
  }

  /** Cheap copy of every collection (records are immutable), for all-or-nothing batches. */
  snapshot(): Snapshot {
    return {
      accounts: new Map(this.accounts),
      contacts: new Map(this.contacts),
      invoices: new Map(this.invoices),
      payments: new Map(this.payments),
      trackingCategories: new Map(this.trackingCategories),
      purchaseOrders: new Map(this.purchaseOrders),
      counters: { ...this.counters },
    };
  }

  restore(s: Snapshot): void {
    this.accounts = s.accounts;
    this.contacts = s.contacts;
    this.invoices = s.invoices;
    this.payments = s.payments;
    this.trackingCategories = s.trackingCategories;
    this.purchaseOrders = s.purchaseOrders;
    this.counters = s.counters;
  }

  accountByCode(code: string): Account | undefined {
    const want = code.trim().toLowerCase();
    for (const a of this.accounts.values()) if (a.Code !== undefined && a.Code.toLowerCase() === want) return a;
    return undefined;
  }

  taxRate(taxType: string): TaxRate | undefined {
    return this.taxRates.find((t) => t.TaxType.toLowerCase() === taxType.toLowerCase());
  }

  activeContactByName(name: string, exceptId?: string): Contact | undefined {
    const want = name.trim().toLowerCase();
    for (const c of this.contacts.values()) {
      if (c.ContactStatus === 'ACTIVE' && c.ContactID !== exceptId && c.Name.trim().toLowerCase() === want) return c;
    }
    return undefined;
  }

  private payIndex: { source: Map<string, Payment>; size: number; byInvoice: Map<string, string[]> } | null = null;

  /** The payments of one invoice, through an index rebuilt only when payments were added or restored. */
  paymentsOf(invoiceId: string): Payment[] {
    if (!this.payIndex || this.payIndex.source !== this.payments || this.payIndex.size !== this.payments.size) {
      const byInvoice = new Map<string, string[]>();
      for (const p of this.payments.values()) {
        const list = byInvoice.get(p.InvoiceID);
        if (list) list.push(p.PaymentID);
        else byInvoice.set(p.InvoiceID, [p.PaymentID]);
      }
      this.payIndex = { source: this.payments, size: this.payments.size, byInvoice };
    }
    return (this.payIndex.byInvoice.get(invoiceId) ?? []).map((id) => this.payments.get(id)!).filter(Boolean);
  }
}
