/**
 * When a transient failure is retried: exponential backoff with full jitter (the delay before attempt n+1 is
 * uniform over the whole milliseconds in [0, min(maxBackoff, initialBackoff × multiplier^(n−1)))), or without
 * jitter exactly that ceiling, up to maxAttempts claims in all.
 */
export interface RetryPolicy {
  /** Claims in all, the first included; 1 means never retry. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  /**
   * Full jitter (true): spreads the retries of many jobs that failed together (an outage of the service they call)
   * so they do not all come back at once. False: the delay is exactly the ceiling, for a service that asks for a
   * fixed wait.
   */
  jitter: boolean;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  multiplier: 2,
  jitter: true,
};

/** The policy with a task's overrides applied. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  // An override given as undefined keeps the default rather than erasing it.
  const given = Object.entries(overrides).filter(([, value]) => value !== undefined);
  return { ...DEFAULT_RETRY_POLICY, ...(Object.fromEntries(given) as Partial<RetryPolicy>) };
}

/** The delay before the attempt after `attempt` (1-based); `random` is in [0, 1). */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (attempt - 1));
  return policy.jitter ? Math.floor(random() * ceiling) : Math.floor(ceiling);
}

/** Whether a job that failed transiently on its `attempt`th claim gets another one. */
export function shouldRetry(attempt: number, policy: RetryPolicy): boolean {
  return attempt < policy.maxAttempts;
}
