import { planVendor, vendorPayload } from '../../flows/erp-to-bill/map-vendor.ts';
import type { VendorPayload } from '../../model/payloads.ts';
import type { Vendor } from '../../model/types.ts';
import type { StepDefinition } from '../../engine/pair.ts';
import { VendorPlanner } from '../vendor-planner.ts';

/** ERP suppliers (vendors) become BILL vendors, matched to existing BILL vendors first (vendor-planner.ts). */
export const vendorStep: StepDefinition<Vendor, VendorPayload> = {
  entity: 'vendor',
  from: 'erp',
  to: 'bill',
  targetEntity: 'vendor',
  stream: 'erp.suppliers',
  dependsOn: [],
  label: (v) => v.name,
  // BILL finds a vendor again by its name (case and outer spaces aside).
  matchKey: (p) => p.name,
  planner: (run) => new VendorPlanner(run, planVendor, vendorPayload),
  texts: { createReason: () => 'no matching BILL vendor', updateReason: 'supplier details changed' },
};
