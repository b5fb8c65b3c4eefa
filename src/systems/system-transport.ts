import { silentLogger, type Logger } from '../core/log.ts';
import { Limiter, type LimiterTimers } from '../http/limiter.ts';
import type { RetryPolicy } from '../http/retry.ts';
import { Transport, type FailureClassifier, type TransportTimers } from '../http/transport.ts';
import type { LimitsSpec } from '../http/limits-spec.ts';
import type { SystemSpec } from './types.ts';

/** The transport settings every system client takes; tests shrink limits and swap timers. */
export interface SystemTransportOptions {
  logger?: Logger;
  /** Limits from the spec unless overridden. */
  limits?: LimitsSpec;
  /** Share one limiter between clients of the same app/devKey so its limits hold across them. */
  limiter?: Limiter;
  retryPolicy?: RetryPolicy;
  timeoutMs?: number;
  timers?: TransportTimers;
  limiterTimers?: LimiterTimers;
}

/** A system's one outbound transport, with its spec's limits and timeout as defaults. */
export function createSystemTransport(
  spec: Pick<SystemSpec, 'id' | 'limits' | 'timeoutMs'>,
  classify: FailureClassifier,
  options: SystemTransportOptions,
): { transport: Transport; logger: Logger } {
  const logger = options.logger ?? silentLogger;
  const transport = new Transport({
    system: spec.id,
    classify,
    logger,
    limiter: options.limiter ?? new Limiter(spec.id, options.limits ?? spec.limits, options.limiterTimers),
    timeoutMs: options.timeoutMs ?? spec.timeoutMs,
    ...(options.retryPolicy ? { retryPolicy: options.retryPolicy } : {}),
    ...(options.timers ? { timers: options.timers } : {}),
  });
  return { transport, logger };
}
