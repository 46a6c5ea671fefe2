import type { Expression } from 'firebase-functions/params';
import type { MemoryOption } from 'firebase-functions/v2/options';
import { config, params } from './config';
import { DEFAULT_POOL } from './core/tasks/task';

/**
 * A worker pool: a class of resources its tasks need. Each pool is a worker function of its own, on a Pub/Sub topic
 * of its own, with its own memory, CPU, concurrency, time limit and instance limit, so a 2 GiB image task and a
 * 10 s I/O task do not share one size. Its capacity (maxInstances × concurrency) is how many of its jobs run at
 * once; the rest wait their turn in its fair queue. A number option may be a firebase-functions param.
 */
export interface PoolDefinition<Name extends string = string> {
  /** Lower-case letters and digits, starting with a letter: it names the worker function and the topic. */
  readonly name: Name;
  readonly memory: MemoryOption | Expression<number>;
  /** A number of vCPUs, or `gcf_gen1` (the 1st-gen share for the memory); concurrency > 1 needs 1 or more. */
  readonly cpu: number | 'gcf_gen1';
  readonly concurrency: number | Expression<number>;
  readonly maxInstances: number | Expression<number>;
  /** The worker's timeout; the longest task time limit of the pool, plus a retry's wait and grace, must fit. */
  readonly timeoutSeconds: number;
}

const POOL_NAME = /^[a-z][a-z0-9]*$/;

/**
 * Declares a worker pool (see PoolDefinition); its name is checked here, so a bad one fails at load, and kept as a
 * literal type, so asyncJobs' result names the pool's worker exactly (`runJobImages` for `images`).
 */
export function definePool<const Name extends string>(definition: PoolDefinition<Name>): PoolDefinition<Name> {
  if (!POOL_NAME.test(definition.name)) {
    throw new Error(`pool name "${definition.name}" must be lower-case letters and digits, starting with a letter`);
  }
  return definition;
}

/**
 * The `standard` pool every task runs in unless it names another: its size comes from the WORKER_* params
 * (256 MiB, the 1st-gen CPU share, one job per instance, 10 instances by default).
 */
export const STANDARD_POOL: PoolDefinition<typeof DEFAULT_POOL> = definePool({
  name: DEFAULT_POOL,
  memory: params.workerMemoryMb,
  cpu: 'gcf_gen1',
  concurrency: params.workerConcurrency,
  maxInstances: params.workerMaxInstances,
  timeoutSeconds: config.workerTimeoutSeconds,
});

/** The exported name of a pool's worker function: `runJob` for `standard`, `runJobImages` for `images`. */
export type WorkerFunctionName<Pool extends string> = Pool extends typeof DEFAULT_POOL
  ? 'runJob'
  : `runJob${Capitalize<Pool>}`;

export function workerFunctionName<Pool extends string>(pool: Pool): WorkerFunctionName<Pool> {
  const name = pool === DEFAULT_POOL ? 'runJob' : `runJob${pool.charAt(0).toUpperCase()}${pool.slice(1)}`;
  return name as WorkerFunctionName<Pool>;
}

/** The Pub/Sub topic a pool's jobs are sent on: `jobs` for `standard`, `jobs-images` for `images`. */
export function poolTopic(pool: string): string {
  return pool === DEFAULT_POOL ? config.jobsTopic : `${config.jobsTopic}-${pool}`;
}

/** A pool option's value now (a param read at run time). */
function valueOf(option: number | Expression<number>): number {
  return typeof option === 'number' ? option : option.value();
}

/** How many of the pool's jobs run at once: its instances times its concurrency, as deployed. */
export function poolCapacity(pool: PoolDefinition): number {
  return valueOf(pool.maxInstances) * valueOf(pool.concurrency);
}
