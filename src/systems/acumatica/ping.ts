import type { AcumaticaClient } from './client.ts';
import { eq } from './filters.ts';
import { accountSchema, billSchema, companiesStructureSchema, vendorSchema } from './schema.ts';

/** What a connection check found on the instance: the endpoints it offers, its branches and how much there is to sync. */
export interface AcumaticaPing {
  build: string | null;
  /** Versions of the Default endpoint the instance offers. */
  versions: string[];
  endpoint: string;
  branches: { id: string; name: string; company: string | null; active: boolean }[];
  vendors: number;
  openBills: number;
  accounts: number;
}

async function count(pages: AsyncIterable<{ records: unknown[]; invalid: unknown[] }>): Promise<number> {
  let n = 0;
  for await (const page of pages) n += page.records.length + page.invalid.length;
  return n;
}

/**
 * Checks a connection end to end: the endpoint version (discovery), the sign-in (the first call),
 * the companies' structure (branches; `PUT CompaniesStructure?$expand=Results` with `{}`, official
 * example) and counts of vendors, open (released) bills and GL accounts, each read with `$select`
 * of its key so the check stays light.
 */
export async function pingAcumatica(client: AcumaticaClient): Promise<AcumaticaPing> {
  const found = await client.checkEndpoint();
  const structure = await client.put('CompaniesStructure', {}, companiesStructureSchema, { mode: 'upsert', expand: 'Results' });
  const branches = (structure.Results ?? [])
    .filter((r) => r.BranchID)
    .map((r) => ({ id: r.BranchID!, name: r.BranchName ?? r.BranchID!, company: r.CompanyID ?? r.CompanyName ?? null, active: r.BranchStatus !== false }));
  const [vendors, openBills, accounts] = [
    await count(client.list('Vendor', vendorSchema, { select: 'VendorID' })),
    await count(client.list('Bill', billSchema, { filter: eq('Status', 'Open'), select: 'Type,ReferenceNbr' })),
    await count(client.list('Account', accountSchema, { select: 'AccountCD' })),
  ];
  return {
    build: found.version?.acumaticaBuildVersion ?? null,
    versions: found.endpoints.filter((e) => e.name === 'Default').map((e) => e.version),
    endpoint: `Default/${client.version}`,
    branches,
    vendors,
    openBills,
    accounts,
  };
}
