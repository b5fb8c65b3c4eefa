import type { z } from 'zod';
import type { QueuePolicy } from 'pg-boss';

/**
 * The job registry: every job name the queue knows, with the zod schema its payload must match
 * and the queue options it is created with. Payloads are validated when sent and again when a
 * worker picks them up (a job may have been written by an older or newer version).
 */
export interface JobOptions {
  /**
   * pg-boss queue policy (pg-boss docs, "Queues: policy"). Default 'singleton': at most one job per
   * singletonKey is active at a time across every worker process, enforced by a unique index, while
   * any number may wait. Send with singletonKey = the link name to serialise work per link.
   * 'stately' also collapses waiting duplicates to one per key.
   */
  readonly policy?: QueuePolicy;
  /** Retries after the first attempt before the job is dead-lettered (default 3). */
  readonly retryLimit?: number;
  /** Seconds before the first retry (default 5). */
  readonly retryDelay?: number;
  /** Exponential backoff with jitter from retryDelay (default true; pg-boss docs, "retryBackoff"). */
  readonly retryBackoff?: boolean;
  /** Upper bound for a backed-off delay, in seconds (default 600). */
  readonly retryDelayMax?: number;
  /** Seconds a job may stay active before it counts as failed (default 3600: a full sync can be long). */
  readonly expireInSeconds?: number;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: S;
  /** Queue that receives the job once its retries are used up. */
  readonly deadLetter: string;
  readonly options: Required<JobOptions>;
}

const registry = new Map<string, JobDefinition>();

const defaults: Required<JobOptions> = {
  policy: 'singleton',
  retryLimit: 3,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 600,
  expireInSeconds: 3600,
};

/** pg-boss queue names allow letters, digits, _ . - / (pg-boss attorney.assertObjectName). */
const namePattern = /^[A-Za-z0-9_\-/]+$/;

export function deadLetterName(name: string): string {
  return `${name}.dead`;
}

export function defineJob<S extends z.ZodType>(name: string, schema: S, options: JobOptions = {}): JobDefinition<S> {
  if (!namePattern.test(name)) {
    throw new Error(`job name '${name}' may only use letters, digits, '_', '-' and '/' ('.' is reserved for dead-letter queues)`);
  }
  if (registry.has(name)) throw new Error(`job '${name}' is already defined`);
  const def: JobDefinition<S> = Object.freeze({
    name,
    schema,
    deadLetter: deadLetterName(name),
    options: Object.freeze({ ...defaults, ...options }),
  });
  registry.set(name, def);
  return def;
}

export function getJob(name: string): JobDefinition {
  const def = registry.get(name);
  if (!def) throw new Error(`no job named '${name}' is defined`);
  return def;
}

export function registeredJobs(): JobDefinition[] {
  return [...registry.values()];
}
