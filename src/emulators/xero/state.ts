import type { AuthStore } from './auth-store.ts';
import {
  renderAccount, renderContact, renderInvoice, renderOrganisation, renderPayment, renderPurchaseOrder,
  renderTrackingCategory, type Json,
} from './json.ts';
import type { Tenant } from './tenant.ts';
import type { XeroWebhooks } from './webhooks.ts';

/**
 * The emulator's in-memory store: the tenants (organisations) the sandbox user can reach, in order
 * (the big demo company first, the small one second), plus views of the webhook and auth state.
 * `snapshot()` is what `GET /_emulator/state` returns: every record in Xero's JSON shape; no token
 * or key values.
 */
export class XeroState {
  readonly tenants = new Map<string, Tenant>();

  constructor(
    private readonly webhooks: XeroWebhooks,
    private readonly auth: AuthStore,
  ) {}

  /** The tenants in their fixed order: [primary, secondary]. */
  list(): Tenant[] {
    return [...this.tenants.values()];
  }

  tenant(id: string): Tenant | undefined {
    return this.tenants.get(id.toLowerCase());
  }

  get primary(): Tenant {
    return this.list()[0]!;
  }

  get secondary(): Tenant {
    return this.list()[1]!;
  }

  replace(tenants: Tenant[]): void {
    this.tenants.clear();
    for (const t of tenants) this.tenants.set(t.tenantId, t);
  }

  snapshot(): Json {
    return {
      tenants: this.list().map((t) => ({
        tenantId: t.tenantId,
        tenantName: t.name,
        organisation: renderOrganisation(t),
        accounts: [...t.accounts.values()].map(renderAccount),
        trackingCategories: [...t.trackingCategories.values()].map((c) => renderTrackingCategory(c, true)),
        contacts: [...t.contacts.values()].map((c) => renderContact(t, c)),
        invoices: [...t.invoices.values()].map((i) => renderInvoice(t, i)),
        payments: [...t.payments.values()].map((p) => renderPayment(t, p)),
        purchaseOrders: [...t.purchaseOrders.values()].map((p) => renderPurchaseOrder(t, p)),
      })),
      webhook: this.webhooks.view(),
      auth: this.auth.summary(),
    };
  }
}
