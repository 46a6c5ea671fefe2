/**
 * The retry policy decides how long a transiently failed job waits and whether it gets another claim. The
 * worker waits the backoff inside its own invocation, so a delay past maxBackoffMs would eat into the task's
 * time limit, and an off-by-one in shouldRetry gives every job one claim too many or too few.
 */
import assert from 'node:assert/strict';
import {
  backoffMs,
  DEFAULT_RETRY_POLICY,
  retryPolicy,
  shouldRetry,
  type RetryPolicy,
} from '../../library/src/core/retry-policy';

/** The largest value Math.random() can return (1 − 2⁻⁵³). */
const LARGEST_RANDOM = 1 - 2 ** -53;

/** The test tasks' policy: small enough that 0.999 × ceiling rounds down to ceiling − 1 on every attempt. */
const FAST: RetryPolicy = retryPolicy({ initialBackoffMs: 20, maxBackoffMs: 100 });

/** The backoff ceiling (the exclusive upper bound of the delay) for an attempt: read off the largest random. */
function ceilingOf(attempt: number, policy: RetryPolicy): number {
  return backoffMs(attempt, policy, () => LARGEST_RANDOM) + 1;
}

describe('retry-policy', () => {
  describe('DEFAULT_RETRY_POLICY', () => {
    it('allows 3 claims in all, with backoff from 1 s doubling up to 60 s, with full jitter', () => {
      assert.deepEqual(DEFAULT_RETRY_POLICY, {
        maxAttempts: 3,
        initialBackoffMs: 1_000,
        maxBackoffMs: 60_000,
        multiplier: 2,
        jitter: true,
      });
    });
  });

  describe('backoffMs', () => {
    it('is 0 when random() is 0, on every attempt', () => {
      for (let attempt = 1; attempt <= 12; attempt++) {
        assert.equal(
          backoffMs(attempt, DEFAULT_RETRY_POLICY, () => 0),
          0,
          `attempt ${attempt}`,
        );
        assert.equal(
          backoffMs(attempt, FAST, () => 0),
          0,
          `attempt ${attempt}`,
        );
      }
    });

    it('is ceiling − 1 when random() is 0.999, for the fast policy (every ceiling ≤ 1000 ms)', () => {
      const expected = [19, 39, 79, 99, 99, 99];
      const actual = expected.map((_, i) => backoffMs(i + 1, FAST, () => 0.999));
      assert.deepEqual(actual, expected);
    });

    it('is ceiling − 1 when random() is 0.999 on the first attempt of the default policy (ceiling 1000 ms)', () => {
      assert.equal(
        backoffMs(1, DEFAULT_RETRY_POLICY, () => 0.999),
        999,
      );
    });

    it('is ceiling − 1 for the largest random() on every attempt of the default policy, never the ceiling', () => {
      const expected = [999, 1_999, 3_999, 7_999, 15_999, 31_999, 59_999, 59_999, 59_999];
      const actual = expected.map((_, i) => backoffMs(i + 1, DEFAULT_RETRY_POLICY, () => LARGEST_RANDOM));
      assert.deepEqual(actual, expected);
    });

    it('doubles the ceiling each attempt, then caps it at maxBackoffMs', () => {
      const ceilings = Array.from({ length: 9 }, (_, i) => ceilingOf(i + 1, DEFAULT_RETRY_POLICY));
      assert.deepEqual(ceilings, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    });

    it('stays at maxBackoffMs for an attempt so large that multiplier^(attempt − 1) is Infinity', () => {
      assert.equal(2 ** 5_000, Number.POSITIVE_INFINITY);
      assert.equal(ceilingOf(5_001, DEFAULT_RETRY_POLICY), 60_000);
      assert.equal(
        backoffMs(5_001, DEFAULT_RETRY_POLICY, () => 0.5),
        30_000,
      );
    });

    it('uses the multiplier and initial backoff of the policy it is given', () => {
      const policy = retryPolicy({ initialBackoffMs: 100, multiplier: 3, maxBackoffMs: 1_000 });
      assert.deepEqual(
        [1, 2, 3, 4].map((attempt) => ceilingOf(attempt, policy)),
        [100, 300, 900, 1_000],
      );
    });

    it('scales with random(): half of the ceiling for 0.5', () => {
      assert.equal(
        backoffMs(3, DEFAULT_RETRY_POLICY, () => 0.5),
        2_000,
      );
    });

    it('without jitter is the ceiling itself, whatever random() says', () => {
      const fixed = retryPolicy({ initialBackoffMs: 1_000, maxBackoffMs: 5_000, jitter: false });
      assert.deepEqual(
        [1, 2, 3, 4, 5].map((attempt) => backoffMs(attempt, fixed, () => 0.01)),
        [1_000, 2_000, 4_000, 5_000, 5_000],
      );
    });

    it('returns whole milliseconds in [0, maxBackoffMs) with the real Math.random', () => {
      for (let attempt = 1; attempt <= 20; attempt++) {
        const ms = backoffMs(attempt, DEFAULT_RETRY_POLICY);
        assert.ok(Number.isInteger(ms) && ms >= 0 && ms < DEFAULT_RETRY_POLICY.maxBackoffMs, `${attempt}: ${ms}`);
      }
    });
  });

  describe('shouldRetry', () => {
    it('retries attempts 1 and 2 of the default 3, not the 3rd or later', () => {
      assert.deepEqual(
        [1, 2, 3, 4, 10].map((attempt) => shouldRetry(attempt, DEFAULT_RETRY_POLICY)),
        [true, true, false, false, false],
      );
    });

    it('never retries when maxAttempts is 1', () => {
      const once = retryPolicy({ maxAttempts: 1 });
      assert.equal(shouldRetry(1, once), false);
      assert.equal(shouldRetry(2, once), false);
    });

    it('retries up to the last attempt of a larger budget', () => {
      const ten = retryPolicy({ maxAttempts: 10 });
      assert.equal(shouldRetry(9, ten), true);
      assert.equal(shouldRetry(10, ten), false);
    });
  });

  describe('retryPolicy', () => {
    it('keeps the default for an override given as undefined (a backoff of NaN would stop every retry)', () => {
      const policy = retryPolicy({ maxBackoffMs: undefined, maxAttempts: 5 });
      assert.equal(policy.maxBackoffMs, DEFAULT_RETRY_POLICY.maxBackoffMs);
      assert.equal(policy.maxAttempts, 5);
      assert.ok(Number.isFinite(backoffMs(3, policy, () => 0.5)));
    });

    it('is the default policy without overrides, as a copy the caller cannot use to change the default', () => {
      const policy = retryPolicy();
      assert.deepEqual(policy, DEFAULT_RETRY_POLICY);
      assert.notEqual(policy, DEFAULT_RETRY_POLICY);
      policy.maxAttempts = 99;
      assert.equal(DEFAULT_RETRY_POLICY.maxAttempts, 3);
    });

    it('is the default policy for an empty override object', () => {
      assert.deepEqual(retryPolicy({}), DEFAULT_RETRY_POLICY);
    });

    it('replaces only the fields it is given', () => {
      assert.deepEqual(retryPolicy({ initialBackoffMs: 20, maxBackoffMs: 100 }), {
        maxAttempts: 3,
        initialBackoffMs: 20,
        maxBackoffMs: 100,
        multiplier: 2,
        jitter: true,
      });
      assert.deepEqual(retryPolicy({ maxAttempts: 5 }), { ...DEFAULT_RETRY_POLICY, maxAttempts: 5 });
    });

    it('replaces every field when all are given', () => {
      const all: RetryPolicy = {
        maxAttempts: 7,
        initialBackoffMs: 5,
        maxBackoffMs: 50,
        multiplier: 1.5,
        jitter: false,
      };
      assert.deepEqual(retryPolicy(all), all);
    });
  });
});
