import type { LimiterTimers } from '../../src/http/limiter.ts';

/** A hand-driven clock for limiter tests: time only moves when `advance` is called. */
export class ManualTimers implements LimiterTimers {
  private t = 1_700_000_000_000;
  private pending: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  now(): number {
    return this.t;
  }

  schedule(ms: number, fn: () => void): () => void {
    const entry = { at: this.t + ms, fn, id: this.nextId++ };
    this.pending.push(entry);
    return () => {
      this.pending = this.pending.filter((p) => p !== entry);
    };
  }

  /** Moves time forward, firing due timers in order; lets promise callbacks run in between. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      this.pending.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.pending[0];
      if (!next || next.at > target) break;
      this.pending.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      await flush();
    }
    this.t = target;
    await flush();
  }
}

export const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((r) => setImmediate(r));
};
