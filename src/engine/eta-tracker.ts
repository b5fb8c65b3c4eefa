import { CallMeter, withCallMeter } from '../http/metrics.ts';
import type { Link } from '../model/link.ts';
import type { Progress } from './context.ts';
import type { RunObservation, RunStats, StepObservation } from './eta.ts';
import type { PairDefinition } from './pair.ts';
import type { EntityReader, EntityWriter, LinkSides, Page, Side, SystemPort } from './ports.ts';
import type { EngineDeps } from './sync.ts';

type Counters = Omit<StepObservation, 'readCalls' | 'writeCalls' | 'readBusyMs' | 'writeBusyMs' | 'writeSpanMs' | 'writeActiveMs'> & { readMeter: CallMeter; writeMeter: CallMeter };

const writeMethods = new Set(['create', 'update', 'archive', 'delete']);

/**
 * Watches one run for its ETA (eta.ts) without the engine knowing: the link's ports are wrapped so
 * every delta page a step reads (its records and the source's total) and every write it sends are
 * counted, the calls each makes measured (CallMeter), and the steps' progress noted. The whole run
 * goes inside `measure` so calls outside the steps (charts of accounts, lookups) count as well.
 */
export class RunTracker {
  private readonly run = new CallMeter();
  private readonly steps = new Map<string, Counters>();
  private readonly byProgress = new Map<string, Counters>();
  private startedAt = Date.now();

  /** Deps whose ports report to this tracker. */
  track(deps: EngineDeps): EngineDeps {
    return { ...deps, open: async (link: Link) => this.instrument(deps.pairOf(link), await deps.open(link)) };
  }

  /** Runs the sync with its calls counted. */
  measure<T>(fn: () => Promise<T>): Promise<T> {
    this.startedAt = Date.now();
    return withCallMeter(this.run, fn);
  }

  readonly onProgress = (p: Progress): void => {
    const c = this.byProgress.get(p.step);
    if (c) c.done = Math.max(c.done, p.done);
  };

  private instrument(pair: PairDefinition, sides: LinkSides): LinkSides {
    const readers = new Map<Side, Map<string, Counters>>();
    const writers = new Map<Side, Map<string, Counters>>();
    for (const def of pair.steps) {
      const c: Counters = {
        entity: def.entity, dependsOn: def.dependsOn, overlapsDependencies: def.overlapsDependencies === true, sourceSystem: sides[def.from].system, targetSystem: sides[def.to].system,
        readPages: 0, readItems: 0, total: null, readDone: false, done: 0, sent: 0, writeBatch: null, writeInFlight: null,
        readMeter: new CallMeter(this.run), writeMeter: new CallMeter(this.run),
      };
      this.steps.set(def.entity, c);
      // The step runner reports progress as the entity's plural (step-runner.ts stepName).
      this.byProgress.set(`${def.entity}s`, c);
      if (!readers.has(def.from)) readers.set(def.from, new Map());
      readers.get(def.from)!.set(def.entity, c);
      if (!writers.has(def.to)) writers.set(def.to, new Map());
      writers.get(def.to)!.set(def.targetEntity, c);
    }
    const wrap = (side: Side): SystemPort => wrapPort(sides[side], readers.get(side) ?? new Map(), writers.get(side) ?? new Map());
    return { erp: wrap('erp'), bill: wrap('bill') };
  }

  observe(now = Date.now()): RunObservation {
    const calls = this.run.snapshot(now);
    return {
      startedAt: this.startedAt,
      now,
      activeMs: this.run.activeMs(now),
      calls,
      steps: [...this.steps.values()].map(({ readMeter, writeMeter, ...c }) => {
        const read = sum(readMeter.snapshot(now));
        const write = sum(writeMeter.snapshot(now));
        const firstWrite = writeMeter.firstStartAt();
        return {
          ...c, readCalls: read.calls, readBusyMs: read.busyMs, writeCalls: write.calls, writeBusyMs: write.busyMs,
          writeSpanMs: firstWrite === null ? 0 : now - firstWrite, writeActiveMs: writeMeter.activeMs(now),
        };
      }),
    };
  }

  /** What this run measured, for estimating the next run of its kind. */
  stats(now = Date.now()): RunStats {
    const o = this.observe(now);
    return {
      durationMs: now - o.startedAt,
      calls: Object.fromEntries(Object.entries(o.calls).map(([k, c]) => [k, c.calls])),
      steps: Object.fromEntries(o.steps.map((s) => [s.entity, { read: s.readItems, done: s.done, sent: s.sent, readCalls: s.readCalls, writeCalls: s.writeCalls }])),
    };
  }
}

const sum = (s: Record<string, { calls: number; busyMs: number }>) =>
  Object.values(s).reduce((n, c) => ({ calls: n.calls + c.calls, busyMs: n.busyMs + c.busyMs }), { calls: 0, busyMs: 0 });

/** The port with its step readers and writers counted; everything else passes through to it. */
function wrapPort(port: SystemPort, readers: Map<string, Counters>, writers: Map<string, Counters>): SystemPort {
  const read = new Proxy(port.read, {
    get: (target, entity) => {
      const reader = Reflect.get(target, entity) as EntityReader<unknown> | undefined;
      const c = typeof entity === 'string' ? readers.get(entity) : undefined;
      return reader && c ? countedReader(reader, c) : reader;
    },
  });
  const write = new Proxy(port.write, {
    get: (target, entity) => {
      const writer = Reflect.get(target, entity) as EntityWriter<unknown, unknown> | undefined;
      const c = typeof entity === 'string' ? writers.get(entity) : undefined;
      if (writer && c) {
        c.writeBatch = writer.caps.batch;
        c.writeInFlight = writer.caps.inFlight;
      }
      return writer && c ? countedWriter(writer, c) : writer;
    },
  });
  return new Proxy(port, {
    get: (target, prop) => {
      if (prop === 'read') return read;
      if (prop === 'write') return write;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function countedReader<T>(reader: EntityReader<T>, c: Counters): EntityReader<T> {
  // Only the delta listing is counted; every other member (reads by id, hints) is the reader's own.
  const iterate = (...args: Parameters<EntityReader<T>['iterate']>): AsyncIterable<Page<T>> => ({
    [Symbol.asyncIterator]() {
      const it = reader.iterate(...args)[Symbol.asyncIterator]();
      return {
        async next(): Promise<IteratorResult<Page<T>>> {
          const r = await withCallMeter(c.readMeter, () => it.next());
          if (r.done) c.readDone = true;
          else {
            c.readPages += 1;
            c.readItems += r.value.items.length + r.value.invalid.length;
            if (r.value.total !== undefined) c.total = r.value.total;
          }
          return r;
        },
        async return(value?: unknown): Promise<IteratorResult<Page<T>>> {
          return it.return ? it.return(value) : { done: true, value: undefined };
        },
      };
    },
  });
  return new Proxy(reader, {
    get: (target, prop) => {
      if (prop === 'iterate') return iterate;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function countedWriter<P, O>(writer: EntityWriter<P, O>, c: Counters): EntityWriter<P, O> {
  return new Proxy(writer, {
    get: (target, prop) => {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (typeof prop !== 'string' || !writeMethods.has(prop)) return fn.bind(target);
      return (...args: unknown[]) => {
        // create takes a batch; update, archive and delete one record.
        c.sent += prop === 'create' && Array.isArray(args[0]) ? args[0].length : 1;
        return withCallMeter(c.writeMeter, () => fn.apply(target, args));
      };
    },
  });
}
