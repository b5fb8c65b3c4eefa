import { followParked } from './parked-chain.ts';
import { recordAndEnqueue } from '../server/webhooks/enqueue.ts';
import type { Db } from '../store/db.ts';
import type { Queue } from '../store/queue.ts';
import type { ScaleOrg } from './scale-connect.ts';
import type { ScaleEmulators } from './scale-emulators.ts';

export interface PaymentFigures {
  link: string;
  /** When the payment was made in BILL, ms after the other first syncs were queued (null: never made). */
  madeAtMs: number | null;
  /** The BILL calls of the key's window at that moment, against the connector's budget. */
  windowTakenAtPayment: number | null;
  /** The other firms' first syncs not yet ended when it was made. */
  firstSyncsRunning: number | null;
  /** From the payment in BILL until the connector had it linked to a Xero payment (null: not within the deadline). */
  latencyMs: number | null;
  /** A note when it could not be made. */
  note: string | null;
}

interface PaymentInput {
  db: Db;
  queue: Queue;
  emulators: ScaleEmulators;
  payer: ScaleOrg;
  budget: number;
  hourMs: number;
  runStart: number;
  deadline: number;
  /** The other firms' first syncs not yet ended. */
  running: () => number;
  say: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * While the other firms' first syncs run, pays one of the payer firm's bills in BILL (as the BILL
 * network does, through the emulator's control route) once the key's current window is used up to
 * the budget, or half a compressed hour in at the latest, so the payment meets the key at its
 * busiest. Its follow-up is queued the way a BILL `payment` webhook queues it (recordAndEnqueue,
 * the receiver's own step after the signature check, so the receive path itself is left to
 * `npm run bench:webhooks`); the latency runs until the connector has the payment linked to the
 * Xero payment it created.
 */
export async function payDuringFirstSyncs(input: PaymentInput): Promise<PaymentFigures> {
  const { db, emulators, payer } = input;
  const figures: PaymentFigures = { link: payer.link, madeAtMs: null, windowTakenAtPayment: null, firstSyncsRunning: null, latencyMs: null, note: null };
  let taken = 0;
  // At the latest half a compressed hour in, and never after the first syncs ended.
  while (Date.now() < input.runStart + input.hourMs / 2 && input.running() > 0) {
    const { windows } = await emulators.allowance();
    const now = Date.now();
    const current = windows.find((w) => w.startMs <= now && now < w.endMs);
    taken = current?.taken ?? 0;
    if (taken >= input.budget) break;
    await sleep(200);
  }
  const { rows } = await db.query<{ target_id: string }>("select target_id from id_map where link = $1 and entity = 'bill' and state = 'linked' and target_id is not null order by source_id limit 20", [payer.link]);
  let payment: { id: string; billPayments?: { id: string }[] } | null = null;
  for (const row of rows) {
    try {
      payment = (await emulators.control('bill', '/pay', { billId: row.target_id })) as { id: string; billPayments?: { id: string }[] };
      break;
    } catch {
      // Paid already or nothing due: the next one.
    }
  }
  if (!payment) return { ...figures, note: `none of ${rows.length} linked bills of ${payer.link} could be paid in BILL` };
  const madeAt = Date.now();
  figures.madeAtMs = madeAt - input.runStart;
  figures.windowTakenAtPayment = taken;
  figures.firstSyncsRunning = input.running();
  input.say(`  paid a bill of ${payer.link} in BILL at ${(figures.madeAtMs / 1000).toFixed(1)} s (${taken} of the window's ${input.budget} budgeted calls used; ${figures.firstSyncsRunning} first syncs running)`);
  const { jobs } = await recordAndEnqueue({ db, queue: input.queue }, [{
    route: { link: payer.link, hubTenant: payer.billOrgId }, eventKey: `bench-${payment.id}@${payer.link}`,
    system: 'bill', entity: 'payment', id: payment.id, payload: { id: payment.id },
  }]);
  const ids = [payment.id, ...(payment.billPayments ?? []).map((b) => b.id)];
  const linked = async () => (await db.query("select 1 from id_map where link = $1 and entity = 'payment' and state = 'linked' and target_id is not null and (source_id = any($2::text[]) or source_id like any($3::text[])) limit 1", [payer.link, ids, ids.map((id) => `%${id}%`)])).rows.length > 0;
  // Once the first syncs are over, two more compressed hours at most: a follow-up still waiting then is a finding, not a reason to wait for the deadline.
  let cap = input.deadline;
  for (;;) {
    if (await linked()) {
      figures.latencyMs = Date.now() - madeAt;
      input.say(`  the payment reached Xero ${(figures.latencyMs / 1000).toFixed(1)} s after it was made`);
      return figures;
    }
    const work = await Promise.all(jobs.map((id) => followParked(input.queue, id)));
    const states = work.map((w) => (w.parkings > 0 ? `${w.state} after ${w.parkings} parking(s)` : w.state));
    if (work.length > 0 && work.every((w) => w.ended)) {
      if (await linked()) continue;
      return { ...figures, note: `its follow-up job ended ${states.join(', ')} without a Xero payment` };
    }
    if (input.running() === 0 && cap === input.deadline) cap = Math.min(input.deadline, Date.now() + 2 * input.hourMs);
    if (Date.now() > cap) return { ...figures, note: `not in Xero ${((Date.now() - madeAt) / 1000).toFixed(0)} s after it was made (follow-up job ${states.join(', ')})` };
    await sleep(100);
  }
}
