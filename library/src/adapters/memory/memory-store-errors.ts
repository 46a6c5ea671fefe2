/**
 * The google.rpc codes (as Firebase spells them) the in-memory store fails with: the ones Firestore answers the
 * same calls with.
 */
export type StoreErrorCode =
  'not-found' | 'already-exists' | 'failed-precondition' | 'invalid-argument' | 'permission-denied' | 'unavailable';

/**
 * Codes of a call that failed for now, and of a commit that may even have been applied: the ones the Firestore
 * adapter retries (UNAVAILABLE is the one the store and its injected faults use).
 */
const TRANSIENT_CODES: ReadonlySet<StoreErrorCode> = new Set(['unavailable']);

/** An error of the in-memory store, with the code Firestore would answer in its place. */
export class MemoryStoreError extends Error {
  /** Whether trying again later may succeed (and, for a commit, whether it may have been applied). */
  readonly transient: boolean;

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** Made by a fault the test injected, not by the store's own rules. */
    readonly injected = false,
  ) {
    super(message);
    this.name = 'MemoryStoreError';
    this.transient = TRANSIENT_CODES.has(code);
  }
}

/** Whether `e` is an error of the in-memory store that may go away if the call is tried later. */
export function isTransientStoreError(e: unknown): boolean {
  return e instanceof MemoryStoreError && e.transient;
}

/** Whether `e` says a fenced write lost a race: the job changed since its version, or is gone. */
export function isLostRace(e: unknown): boolean {
  return e instanceof MemoryStoreError && (e.code === 'failed-precondition' || e.code === 'not-found');
}
