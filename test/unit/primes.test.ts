/**
 * The primes task is the real CPU-bound task: its count must be right at the small edges and across segment
 * boundaries (the segments are 2²⁰ numbers), it must stop when its signal aborts (between segments), and its
 * progress must end at 100 so the job document shows a finished bar.
 */
import type { PrimesInput } from '@async-jobs/app-tasks';
import assert from 'node:assert/strict';
import { MAX_TASK_TIMEOUT_SECONDS } from '../../library/src/core/tasks/task';
import { MAX_PRIMES_BELOW, PRIMES_TIMEOUT_SECONDS, primesInput, primesTask } from '../../functions/src/tasks/primes';
import { within } from './deadline';
import { taskContext } from './task-context';

/** Primes below n by trial division: slow, but obviously right. */
function naiveCount(below: number): number {
  let count = 0;
  for (let n = 2; n < below; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

/** countBelow[n] = primes below n, by a plain (unsegmented) sieve: a reference for the larger cases. */
function primeCountsBelow(limit: number): Uint32Array {
  const composite = new Uint8Array(limit);
  const countBelow = new Uint32Array(limit + 1);
  for (let n = 2; n < limit; n++) {
    if (!composite[n]) for (let m = n * n; m < limit; m += n) composite[m] = 1;
    countBelow[n + 1] = countBelow[n] + (composite[n] ? 0 : 1);
  }
  return countBelow;
}

function run(input: PrimesInput, signal?: AbortSignal) {
  const { context, reports } = taskContext(signal);
  return { result: primesTask.run(input, context), reports };
}

describe('primesTask', () => {
  it('is registered under the type "primes", with a time limit within MAX_TASK_TIMEOUT_SECONDS', () => {
    assert.equal(primesTask.type, 'primes');
    assert.equal(primesTask.timeoutSeconds, PRIMES_TIMEOUT_SECONDS);
    assert.ok(PRIMES_TIMEOUT_SECONDS <= MAX_TASK_TIMEOUT_SECONDS);
  });

  describe('counts the primes p with 2 ≤ p < below', () => {
    const known: ReadonlyArray<readonly [number, number]> = [
      [2, 0],
      [3, 1],
      [4, 2],
      [10, 4],
      [11, 4],
      [12, 5],
      [100, 25],
      [1_000_000, 78_498],
      [10_000_000, 664_579],
    ];
    for (const [below, count] of known) {
      it(`${count.toLocaleString('en')} below ${below.toLocaleString('en')}`, async () => {
        assert.deepEqual(await run({ below }).result, { below, count });
      });
    }

    it('agrees with trial division for every below up to 300', async () => {
      for (let below = 2; below <= 300; below++) {
        const { count } = await run({ below }).result;
        assert.equal(count, naiveCount(below), `below ${below}`);
      }
    });

    it('is right on both sides of the segment boundaries (the first segment is [2, 2²⁰ + 2))', async () => {
      const segment = 1 << 20;
      const reference = primeCountsBelow(2 * segment + 10);
      for (const below of [segment + 1, segment + 2, segment + 3, segment + 100, 2 * segment + 2, 2 * segment + 3]) {
        const { count } = await run({ below }).result;
        assert.equal(count, reference[below], `below ${below}`);
      }
    });
  });

  describe('progress', () => {
    it('ends at 100, never goes backwards and stays within 0–100', async () => {
      const { result, reports } = run({ below: 10_000_000 });
      await result;
      assert.ok(reports.length >= 2, `${reports.length} reports`);
      assert.equal(reports[reports.length - 1].percent, 100);
      for (let i = 0; i < reports.length; i++) {
        const { percent } = reports[i];
        assert.ok(percent >= 0 && percent <= 100, `report ${i}: ${percent}`);
        if (i > 0) assert.ok(percent >= reports[i - 1].percent, `report ${i} went backwards`);
      }
      assert.equal(reports[reports.length - 1].message, 'sieved 10,000,000 of 10,000,000');
    });

    it('ends at 100 when there is nothing to sieve (below 2)', async () => {
      const { result, reports } = run({ below: 2 });
      assert.deepEqual(await result, { below: 2, count: 0 });
      assert.deepEqual(reports, [{ percent: 100, message: 'sieved 2 of 2' }]);
    });

    it('ends at 100 for a single small segment', async () => {
      const { result, reports } = run({ below: 100 });
      await result;
      assert.deepEqual(reports, [{ percent: 100, message: 'sieved 100 of 100' }]);
    });
  });

  describe('cancellation', () => {
    it('rejects with the reason of a signal aborted before it starts, without reporting progress', async () => {
      const reason = new Error('cancelled before the start');
      const { result, reports } = run({ below: 10_000_000 }, AbortSignal.abort(reason));
      await assert.rejects(within(result, 5_000, 'primes'), (e: unknown) => e === reason);
      assert.deepEqual(reports, []);
    });

    it('stops at the next segment when the signal aborts mid-run, rejecting with its reason', async () => {
      const controller = new AbortController();
      const reason = new Error('the job was cancelled by its owner');
      const { context, reports } = taskContext(controller.signal, () => controller.abort(reason));
      const result = primesTask.run({ below: MAX_PRIMES_BELOW }, context);
      await assert.rejects(within(result, 5_000, 'primes'), (e: unknown) => e === reason);
      assert.equal(reports.length, 1, 'no segment after the abort');
      assert.ok(reports[0].percent < 1);
    });

    it('lets an abort from another callback (a timer, a listener) through between segments', async () => {
      const controller = new AbortController();
      const reason = new Error('time limit');
      const { context, reports } = taskContext(controller.signal, (report) => {
        if (report.percent > 0) setImmediate(() => controller.abort(reason));
      });
      const result = primesTask.run({ below: MAX_PRIMES_BELOW }, context);
      await assert.rejects(within(result, 5_000, 'primes'), (e: unknown) => e === reason);
      assert.ok(reports.length <= 3, `${reports.length} segments ran`);
    });
  });

  describe('primesInput', () => {
    it('accepts whole numbers from 2 to MAX_PRIMES_BELOW', () => {
      for (const below of [2, 3, 1_000, MAX_PRIMES_BELOW]) assert.deepEqual(primesInput.parse({ below }), { below });
    });

    it('refuses 1, 0, negatives, fractions, past the maximum, non-numbers and unknown keys', () => {
      const bad: unknown[] = [
        { below: 1 },
        { below: 0 },
        { below: -5 },
        { below: 10.5 },
        { below: MAX_PRIMES_BELOW + 1 },
        { below: Number.POSITIVE_INFINITY },
        { below: Number.NaN },
        { below: '100' },
        {},
        { below: 100, limit: 5 },
      ];
      for (const input of bad) assert.equal(primesInput.safeParse(input).success, false, JSON.stringify(input));
    });
  });
});
