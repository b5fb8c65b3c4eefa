/**
 * The licence's request limits [AIR:IS__con_License_Restrictions_API_Users.md]: every request (but
 * sign-out) joins one queue served by as many "API processing cores" as the concurrent-request limit,
 * so a request past the cap waits rather than fails; once the requests of the past minute reach half
 * the per-minute limit, each new one is delayed by the time left in that minute divided by the
 * requests left; a request is declined (429) only when more than `maxQueued` are waiting or it has
 * waited longer than `maxQueueWaitMs`. `force429` declines the next n requests (a test knob).
 */
import type { Clock } from '../../core/clock.ts';
import { sleep } from '../../core/clock.ts';
import type { EmulatorStats } from '../kit/stats.ts';
import type { ResolvedOptions } from './options.ts';

interface Waiter {
  admit(): void;
  timer: NodeJS.Timeout;
}

export type Admission = { ok: true; release(): void } | { ok: false; reason: 'queue-full' | 'waited-too-long' | 'forced' };

export class Licence {
  private running = 0;
  private readonly queue: Waiter[] = [];
  private recent: number[] = [];
  forced429 = 0;
  /** The longest wait of any request in the queue so far (ms, real time), for the state view. */
  longestWaitMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly stats: EmulatorStats,
    private readonly options: ResolvedOptions,
  ) {}

  /** The slow-down delay a request arriving now is given (ms of emulator time), and counts it. */
  private throttle(): number {
    const now = this.clock.now();
    this.recent = this.recent.filter((t) => now - t < 60_000);
    const limit = this.options.requestsPerMinute;
    const done = this.recent.length;
    this.recent.push(now);
    if (done < limit / 2) return 0;
    const left = 60_000 - (now - this.recent[0]!);
    return Math.max(0, left / Math.max(1, limit - done));
  }

  async admit(): Promise<Admission> {
    if (this.forced429 > 0) {
      this.forced429 -= 1;
      this.stats.reject('acumatica.forced');
      return { ok: false, reason: 'forced' };
    }
    const delay = this.throttle();
    if (delay > 0) {
      this.stats.reject('acumatica.slowed');
      await sleep(delay * this.options.throttleDelayScale);
    }
    if (this.running >= this.options.concurrentRequests) {
      if (this.queue.length >= this.options.maxQueued) {
        this.stats.reject('acumatica.queue-full');
        return { ok: false, reason: 'queue-full' };
      }
      const queuedAt = Date.now();
      const admitted = await new Promise<boolean>((resolve) => {
        const waiter: Waiter = {
          admit: () => resolve(true),
          timer: setTimeout(() => {
            const i = this.queue.indexOf(waiter);
            if (i >= 0) this.queue.splice(i, 1);
            resolve(false);
          }, this.options.maxQueueWaitMs),
        };
        this.queue.push(waiter);
      });
      this.longestWaitMs = Math.max(this.longestWaitMs, Date.now() - queuedAt);
      if (!admitted) {
        this.stats.reject('acumatica.waited-too-long');
        return { ok: false, reason: 'waited-too-long' };
      }
    } else {
      this.running += 1;
    }
    this.stats.enter('acumatica');
    if (this.running > this.options.concurrentRequests) this.stats.limitViolations += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.stats.leave('acumatica');
        const next = this.queue.shift();
        if (next) {
          // The slot passes straight to the next waiter: `running` stays the same.
          clearTimeout(next.timer);
          next.admit();
        } else this.running -= 1;
      },
    };
  }

  queued(): number {
    return this.queue.length;
  }

  inFlight(): number {
    return this.running;
  }

  stop(): void {
    for (const w of this.queue.splice(0)) clearTimeout(w.timer);
  }
}
