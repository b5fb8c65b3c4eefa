/**
 * The emulators this build ships, in port order: `ml-connector emulate --port N` gives the first one
 * port N, the second N + 1, and so on. Kept apart from the registry (index.ts), which loads every
 * emulator, so that the `emulate` command can name them in its usage and check `--only` cheaply.
 * index.ts is typed from this list: an id here without a definition there does not compile.
 */
export const emulatorCatalog = [
  { id: 'xero', title: 'Xero' },
  { id: 'bill', title: 'BILL' },
  { id: 'acumatica', title: 'Acumatica' },
  { id: 'qbo', title: 'QuickBooks Online' },
] as const;

export type EmulatorId = (typeof emulatorCatalog)[number]['id'];

export const emulatorIds: readonly EmulatorId[] = emulatorCatalog.map((e) => e.id);

export const isEmulatorId = (value: string): value is EmulatorId => (emulatorIds as readonly string[]).includes(value);

/** The port an emulator listens on when the first one is given `base` (0: every one picks a free port). */
export const emulatorPort = (id: EmulatorId, base: number): number => (base === 0 ? 0 : base + emulatorIds.indexOf(id));

/** The highest `--port` that leaves room for every emulator's port below 65536. */
export const maxBasePort = 65_535 - (emulatorIds.length - 1);
