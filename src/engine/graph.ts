import type { RunParts } from './sync.ts';
import type { PairDefinition } from './pair.ts';
import type { StepRunner } from './step-runner.ts';
import { currentCallClass, withCallClass } from '../http/call-class.ts';

/**
 * Runs the steps of a pair by their dependencies, each within its systems' limits (the transport
 * holds them). Every step that runs asks for its first page of changes at once (reads that depend
 * on nothing start together); a step then waits for the steps it depends on to finish before it
 * plans, except one whose planner reaches them only through `ensure` (`overlapsDependencies`),
 * which starts beside them and waits record by record: a bill chunk goes once its own vendors are
 * linked (claims.ts). A step that fails fatally starts none of the steps after it and fails the
 * `ensure` calls waiting on it; steps already running beside it finish, and the run ends with the
 * first failure.
 */
export async function runGraph(
  parts: RunParts,
  runs: (def: PairDefinition['steps'][number]) => boolean,
  each: (runner: StepRunner<any, any>) => Promise<void>,
): Promise<void> {
  const runners = [...parts.steps.values()].filter((r) => runs(r.def));
  // Before anything awaits, so a dependent's first ensure already finds its dependency under way.
  for (const runner of runners) {
    runner.claims.begin();
    runner.startReading();
  }
  const finished = new Map<string, Promise<void>>();
  const steps = async (runner: StepRunner<any, any>) => {
    try {
      if (!runner.def.overlapsDependencies) await Promise.all(runner.def.dependsOn.map((d) => finished.get(d)));
      await each(runner);
      runner.claims.end();
    } catch (e) {
      runner.claims.end(e);
      throw e;
    }
  };
  const started = runners.map((runner) => {
    // A step with a call class of its own (payments back) runs in it, ahead of the run's bulk work.
    const run = (async () => {
      const own = await runner.ownCallClass();
      return own && own !== currentCallClass() ? withCallClass(own, () => steps(runner)) : steps(runner);
    })();
    finished.set(runner.def.entity, run);
    return run;
  });
  const results = await Promise.allSettled(started);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

