/**
 * How the engine treats writes in doubt and failed records; a deployment may tune it through
 * EngineDeps.policy (tests shorten the waits).
 */
export interface EnginePolicy {
  /**
   * How long a create whose answer was lost may still land on the target. Until then its intent is
   * kept and the record is not created again, even when a search does not find it yet: the request
   * may be queued behind a gateway or still running on the service after the client gave up (the
   * transport's own timeout is 30 s; gateways in front of the services give up after about a minute).
   */
  settleMs: number;
  /**
   * Waits before a record that failed for a transient cause (network, server error, a lost answer)
   * is tried again by a later run, by the number of failures so far: the first retry waits
   * `retryAfterMs[0]` after the first failure, and so on. Past the last entry the record is left for
   * a person (`replay`).
   */
  retryAfterMs: readonly number[];
  /**
   * How far back of its cursor the poll's validation pass reads a target's changes again (ChangeFeed):
   * the two systems' clocks may differ, and a change stamped just before a read may not show in it
   * yet. A change read twice with the same version is validated once.
   */
  validateOverlapMs: number;
}

export const defaultEnginePolicy: EnginePolicy = {
  settleMs: 120_000,
  // Retried by the next run, then 5 minutes, 30 minutes, 2 hours and 6 hours after the last failure.
  retryAfterMs: [0, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 6 * 3_600_000],
  validateOverlapMs: 5 * 60_000,
};
