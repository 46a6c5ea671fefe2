import { setTimeout as delay } from 'node:timers/promises';

/** gRPC's NOT_FOUND (an update of a missing document) and FAILED_PRECONDITION (its update time moved on). */
export const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;
/** gRPC's ALREADY_EXISTS, which `create()` fails with when the document is there. */
export const ALREADY_EXISTS = 6;
/**
 * gRPC codes of a call that failed for now, and of a commit that may even have been applied: CANCELLED, UNKNOWN,
 * DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE (the codes the Admin SDK retries a
 * transaction on). The Firestore emulator can answer a commit under load with UNKNOWN and no message.
 */
const TRANSIENT = new Set([1, 2, 4, 8, 10, 13, 14]);
/** How often a fenced write or a read tries before it gives up (a document that keeps changing, errors that last). */
export const MAX_TRIES = 10;

/** The gRPC code of an error the Firestore SDK threw, if it has one. */
export const grpcCode = (e: unknown) => (e as { code?: unknown }).code;

/**
 * Whether a conditional commit lost a race, and so applied nothing: a document it was fenced on changed
 * (FAILED_PRECONDITION), or one it creates was made first (ALREADY_EXISTS).
 */
export function lostRace(e: unknown): boolean {
  const code = grpcCode(e);
  return code === FAILED_PRECONDITION || code === ALREADY_EXISTS;
}

/**
 * Waits a little after the `races`-th lost race, at random, so the racers fall out of step: a lost race means
 * another commit won, so the next try can come soon.
 */
export function afterLostRace(races: number): Promise<void> {
  return delay(Math.random() * Math.min(100, 10 * races));
}

/** Whether a Firestore call failed for now (it may succeed if tried again, and a commit may even have applied). */
export function isTransientError(e: unknown): boolean {
  const code = grpcCode(e);
  return typeof code === 'number' && TRANSIENT.has(code);
}

/** Waits before try `tries` + 1 after a transient error: 100 ms doubling to 2 s, with jitter. */
export function transientBackoff(tries: number): Promise<void> {
  return delay(Math.min(2000, 100 * 2 ** (tries - 1)) * (0.5 + Math.random() / 2));
}

/**
 * After a failed fenced write: rethrows what retrying cannot mend, else waits if the failure was transient.
 * Either way the caller reads the job again before it retries, because the write may have lost a race or, after a
 * transient error, may even have been applied.
 */
export async function beforeRetryingWrite(e: unknown, tries: number): Promise<void> {
  const code = grpcCode(e);
  const lostRace = code === FAILED_PRECONDITION || code === NOT_FOUND;
  const transient = isTransientError(e);
  if ((!lostRace && !transient) || tries >= MAX_TRIES) throw e;
  if (transient) await transientBackoff(tries);
}
