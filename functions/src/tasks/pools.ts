import { definePool } from '@async-jobs/functions';

/**
 * The pool of this project's CPU-bound task (`primes`): a whole vCPU, so a sieve below 10⁹ takes about 10 s rather
 * than a minute on the standard pool's sixth of one, one job per instance (two sieves would halve each other's
 * speed), and at most 5 instances, a cost cap apart from the standard pool's. `sleep` and every I/O-bound task stay
 * on the standard pool's small, cheap instances.
 */
export const COMPUTE_POOL = definePool({
  name: 'compute',
  memory: '1GiB',
  cpu: 1,
  concurrency: 1,
  maxInstances: 5,
  timeoutSeconds: 540,
});
