import type { InvalidRecord, Read } from '../../engine/ports.ts';
import type { Bill } from '../../model/types.ts';

/**
 * The ERP bills a payments run posts against, each read once per run as it is when first asked
 * for, and kept: payments planned later in the run (the next page of BILL payments) see the balance
 * the earlier ones left, which a fresh read could not promise while those payments are still being
 * posted. One read carries up to `perRead` ids (Xero GET /Invoices?IDs=, 50 a call); bills asked for
 * ahead of planning go out in full reads at once, several in flight (the target's transport holds its
 * limits), and a remainder waits for the next ask unless it is the last, so a run makes as few reads
 * as one read of every bill at the end would.
 */
export class ErpBillStates {
  private readonly known = new Map<string, Promise<Bill | undefined>>();
  /** Asked for, not sent yet, in the order asked (a Set keeps insertion order). */
  private queued = new Set<string>();

  /**
   * @param read the target's bill reader (`get`); `perRead` its ids per call, or null when it reads
   *   any number in one go (its own chunking then decides, and nothing is read ahead).
   * @param invalid bills the target sent that cannot be read, recorded as failed bills.
   */
  constructor(
    private readonly read: (ids: readonly string[]) => Promise<Read<Bill>>,
    private readonly perRead: number | null,
    private readonly invalid: (records: readonly InvalidRecord[]) => void,
  ) {}

  /** Asks for these bills ahead of planning: full reads start now; with `last`, the remainder too. */
  ahead(ids: Iterable<string>, last: boolean): void {
    if (this.perRead === null) return;
    this.queue(ids);
    while (this.queued.size >= this.perRead) this.send(this.take(this.perRead));
    if (last) this.flush();
  }

  /** The bills by id as first read in this run (a bill the target did not return is absent), reading now those not asked for yet. */
  async get(ids: Iterable<string>): Promise<Map<string, Bill>> {
    const wanted = [...new Set(ids)];
    this.queue(wanted);
    this.flush();
    const out = new Map<string, Bill>();
    for (const id of wanted) {
      const bill = await this.known.get(id);
      if (bill) out.set(id, bill);
    }
    return out;
  }

  private queue(ids: Iterable<string>): void {
    for (const id of ids) {
      if (!this.known.has(id)) this.queued.add(id);
    }
  }

  private take(n: number): string[] {
    const out: string[] = [];
    for (const id of this.queued) {
      if (out.length === n) break;
      out.push(id);
    }
    for (const id of out) this.queued.delete(id);
    return out;
  }

  private flush(): void {
    if (this.queued.size === 0) return;
    if (this.perRead === null) this.send(this.take(this.queued.size));
    else while (this.queued.size > 0) this.send(this.take(this.perRead));
  }

  private send(ids: readonly string[]): void {
    const done = this.read(ids).then((r) => {
      this.invalid(r.invalid);
      return new Map(r.items.map((b) => [b.id, b]));
    });
    // Awaited by whoever plans these bills; a read ahead nobody plans must not be an unhandled rejection.
    done.catch(() => undefined);
    for (const id of ids) this.known.set(id, done.then((byId) => byId.get(id)));
    for (const id of ids) this.known.get(id)!.catch(() => undefined);
  }
}
