/**
 * Changes Xero records the way a bookkeeper's other apps would: through the Accounting API with a
 * token of its own from the emulator's OAuth flow (a separate grant from the connector's, so the
 * connector's stored tokens are never touched). A token that expired because a test moved the
 * emulator clock is replaced by logging in again.
 */
import type { XeroEmulator } from '../../src/emulators/xero/index.ts';
import type { Json } from './sandbox-fixture.ts';

export class XeroApi {
  private token: string | null = null;

  constructor(
    private readonly em: XeroEmulator,
    private readonly tenantId: string,
  ) {}

  async call(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<Json> {
    for (let attempt = 0; ; attempt += 1) {
      this.token ??= (await this.em.login()).access_token;
      const res = await fetch(`${this.em.urls.api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          'xero-tenant-id': this.tenantId,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (res.status === 401 && attempt === 0) {
        this.token = null;
        continue;
      }
      if (!res.ok) throw new Error(`Xero ${method} ${path} answered ${res.status}: ${text}`);
      return JSON.parse(text);
    }
  }

  async contact(id: string): Promise<Json> {
    return (await this.call('GET', `/Contacts/${id}`)).Contacts[0];
  }

  async updateContact(id: string, changes: Record<string, unknown>): Promise<Json> {
    return (await this.call('POST', `/Contacts/${id}`, { Contacts: [{ ContactID: id, ...changes }] })).Contacts[0];
  }

  async createContact(fields: Record<string, unknown>): Promise<Json> {
    return (await this.call('PUT', '/Contacts', { Contacts: [fields] })).Contacts[0];
  }

  async invoice(id: string): Promise<Json> {
    return (await this.call('GET', `/Invoices/${id}`)).Invoices[0];
  }

  async updateInvoice(id: string, changes: Record<string, unknown>): Promise<Json> {
    return (await this.call('POST', `/Invoices/${id}`, { Invoices: [{ InvoiceID: id, ...changes }] })).Invoices[0];
  }

  async createInvoice(fields: Record<string, unknown>): Promise<Json> {
    const body = await this.call('PUT', '/Invoices?summarizeErrors=true', { Invoices: [fields] });
    return body.Invoices[0];
  }

  async createPayment(fields: Record<string, unknown>): Promise<Json> {
    return (await this.call('PUT', '/Payments', { Payments: [fields] })).Payments[0];
  }
}
