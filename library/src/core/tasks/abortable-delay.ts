import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export async function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (e) {
    // timers/promises rejects with its own AbortError; the handler's caller wants to know why it stopped.
    if (signal.aborted) throw signal.reason;
    throw e;
  }
}
