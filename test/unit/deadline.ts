/**
 * A guard for tests that await an event: the awaited promise normally settles within milliseconds, and if it
 * never does the test fails with a message that says what it was waiting for, instead of hanging until
 * mocha's timeout. It is a deadline, not a sleep: the test goes on as soon as the promise settles.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets every callback already queued (promise reactions, then immediates) run, without waiting on a clock. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lets callbacks run a turn of the loop at a time until `holds`, for at most `turns` turns (an in-memory store
 * answers within a few); whether it holds then.
 */
export async function turnsUntil(holds: () => boolean, turns = 1_000): Promise<boolean> {
  for (let turn = 0; turn < turns && !holds(); turn++) await nextTurn();
  return holds();
}
