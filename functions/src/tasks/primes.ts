import type { PrimesInput, PrimesResult } from '@async-jobs/app-tasks';
import { defineTask } from '@async-jobs/functions';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import { COMPUTE_POOL } from './pools';

/**
 * The largest `below` accepted. A segmented sieve counts the primes below 10⁹ in well under the time limit on
 * one Cloud Functions vCPU (about 10 s), so the limit leaves a wide margin.
 */
export const MAX_PRIMES_BELOW = 1_000_000_000;

export const PRIMES_TIMEOUT_SECONDS = 300;

/** Numbers sieved between two looks at the abort signal and the event loop. */
const SEGMENT_SIZE = 1 << 20;

/** The schema of @async-jobs/app-tasks' PrimesInput (`satisfies` keeps the two the same shape). */
export const primesInput = z.strictObject({
  /** Count the primes p with 2 ≤ p < below. */
  below: z.number().int().min(2).max(MAX_PRIMES_BELOW),
}) satisfies z.ZodType<PrimesInput>;

/** The primes below `limit` by a plain sieve; the segmented sieve needs those up to √below. */
function smallPrimes(limit: number): number[] {
  const composite = new Uint8Array(limit);
  const primes: number[] = [];
  for (let n = 2; n < limit; n++) {
    if (composite[n]) continue;
    primes.push(n);
    for (let m = n * n; m < limit; m += n) composite[m] = 1;
  }
  return primes;
}

/**
 * A real CPU-bound task: counts primes below N with a segmented sieve of Eratosthenes, one megabyte segment at a
 * time, yielding to the event loop between segments so cancellation and progress writes get through.
 */
export const primesTask = defineTask({
  type: 'primes',
  input: primesInput,
  pool: COMPUTE_POOL.name,
  timeoutSeconds: PRIMES_TIMEOUT_SECONDS,
  async run({ below }: PrimesInput, { signal, progress }): Promise<PrimesResult> {
    const base = smallPrimes(Math.floor(Math.sqrt(below)) + 2);
    const segment = new Uint8Array(SEGMENT_SIZE);
    let count = 0;
    for (let low = 2; low < below; low += SEGMENT_SIZE) {
      signal.throwIfAborted();
      const high = Math.min(low + SEGMENT_SIZE, below);
      segment.fill(0, 0, high - low);
      for (const p of base) {
        if (p * p >= high) break;
        const first = Math.max(p * p, Math.ceil(low / p) * p);
        for (let m = first; m < high; m += p) segment[m - low] = 1;
      }
      for (let i = 0; i < high - low; i++) if (!segment[i]) count++;
      if (high < below)
        progress(
          ((high - 2) / (below - 2)) * 100,
          `sieved ${high.toLocaleString('en')} of ${below.toLocaleString('en')}`,
        );
      await yieldToEventLoop();
    }
    progress(100, `sieved ${below.toLocaleString('en')} of ${below.toLocaleString('en')}`);
    return { below, count };
  },
});
