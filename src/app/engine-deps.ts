import type { EngineDeps } from '../engine/sync.ts';
import type { EnginePolicy } from '../engine/policy.ts';
import { pairOf } from '../pairs/index.ts';
import { openLinkSides } from './sides.ts';
import type { SideDeps } from './systems/types.ts';

/** What the engine runs on: the database and logger, a link's two ports opened from its connections, and its pair. */
export function engineDeps(deps: SideDeps, policy?: Partial<EnginePolicy>): EngineDeps {
  return {
    db: deps.db,
    log: deps.log,
    open: (link) => openLinkSides(deps, link),
    pairOf,
    ...(policy ? { policy } : {}),
  };
}
