import { planLedgerVendor } from '../../flows/bill-to-qbo/map-vendor.ts';
import { vendorPayload } from '../../flows/vendor-index.ts';
import type { VendorPayload } from '../../model/payloads.ts';
import type { Vendor } from '../../model/types.ts';
import type { StepDefinition } from '../../engine/pair.ts';
import { VendorPlanner } from '../vendor-planner.ts';
import { validateVendors } from './validate.ts';

/** BILL vendors become ledger vendors, each linked to the ledger vendor with its name, tax id or email where one exists. */
export const ledgerVendorStep: StepDefinition<Vendor, VendorPayload> = {
  entity: 'vendor',
  from: 'bill',
  to: 'erp',
  targetEntity: 'vendor',
  stream: 'bill.vendors',
  dependsOn: [],
  label: (v) => v.name,
  // The ledger finds a vendor again by its display name (the QBO port compares it as QBO would hold it).
  matchKey: (p) => p.name,
  planner: (run) => new VendorPlanner(run, planLedgerVendor, vendorPayload),
  validate: validateVendors,
  texts: { createReason: () => 'no matching ledger vendor', updateReason: 'vendor details changed in BILL' },
};
