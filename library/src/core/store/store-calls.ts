import { sleep } from '../ports/clock';
import { isLostRace, isTransientStoreError, StoreError, type CommitResult, type Write } from '../ports/document-store';
import type { Millis } from '../job';
import { deadlineAfter, type StoreAccess } from './store-access';

/**
 * A store call bounded by `callTimeoutMs` on the core's clock: past it, the call counts as failed for now with
 * `deadline-exceeded` (a commit may still apply later; whoever made it reads the outcome again).
 */
export function bounded<T>(access: StoreAccess, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const cancel = access.clock.setTimer(access.timings.callTimeoutMs, () => {
      if (settled) return;
      settled = true;
      reject(new StoreError('deadline-exceeded', `the store did not answer within ${access.timings.callTimeoutMs} ms`));
    });
    work().then(
      (value) => {
        if (settled) return;
        settled = true;
        cancel();
        resolve(value);
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        cancel();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what the store threw
        reject(e);
      },
    );
  });
}

/** The wait before try `tries` + 1: exponential with full jitter, so racers and retries fall out of step. */
export function backoffMs(access: StoreAccess, tries: number): number {
  const { initialBackoffMs, maxBackoffMs } = access.timings;
  return access.random() * Math.min(maxBackoffMs, initialBackoffMs * 2 ** (tries - 1));
}

/** Waits the backoff before try `tries` + 1, or throws `last` if that would pass `deadline`. */
async function backOff(access: StoreAccess, tries: number, deadline: Millis, last: unknown): Promise<void> {
  const wait = backoffMs(access, tries);
  if (access.clock.now() + wait >= deadline) throw last;
  await sleep(access.clock, wait);
}

/** A read (get, query, count): bounded, and tried again after a transient failure until the deadline. */
export async function read<T>(
  access: StoreAccess,
  work: () => Promise<T>,
  deadline: Millis = deadlineAfter(access),
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await bounded(access, work);
    } catch (e) {
      if (!isTransientStoreError(e)) throw e;
      await backOff(access, tries, deadline, e);
    }
  }
}

/**
 * What a round of a transition decided from what it read: the answer, and the commit that makes it true if any.
 * `answer` gets the commit's result (undefined when there was nothing to write).
 */
export type Decision<T> =
  | { readonly writes?: undefined; readonly answer: T }
  | { readonly writes: readonly Write[]; readonly answer: (commit: CommitResult) => T };

/** A decision that writes nothing. */
export const nothingToWrite = <T>(answer: T): Decision<T> => ({ answer });

/**
 * Runs a transition of the protocol: each round reads what it needs and decides (core code, from the documents
 * read); its writes are committed with their preconditions. A commit that lost a race (a precondition failed:
 * someone wrote first) or failed for now (it may even have been applied) runs the round again on fresh reads, which
 * see whatever was applied, so a round recognizes its own earlier commit as well as anyone else's. Lost races and
 * transient failures back off with jitter; the transition gives up, throwing the last error, only at the
 * deadline. A permanent failure is thrown at once. `onFailedCommit` hears of each commit that failed and is decided
 * again (a round that finds documents made can tell from it whether its own commit may have made them).
 */
export async function transition<T>(
  access: StoreAccess,
  round: () => Promise<Decision<T>>,
  deadline: Millis = deadlineAfter(access),
  onFailedCommit?: (e: unknown) => void,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    const decision = await round();
    if (decision.writes === undefined) return decision.answer;
    if (decision.writes.length === 0) return decision.answer({ time: access.clock.now(), versions: [] });
    try {
      const commit = await bounded(access, () => access.store.commit(decision.writes));
      return decision.answer(commit);
    } catch (e) {
      if (!isLostRace(e) && !isTransientStoreError(e)) throw e;
      onFailedCommit?.(e);
      await backOff(access, tries, deadline, e);
    }
  }
}

/** Commits writes that need no decision again (each is safe to repeat), trying again until the deadline. */
export async function commitRepeatable(
  access: StoreAccess,
  writes: readonly Write[],
  deadline: Millis = deadlineAfter(access),
): Promise<CommitResult> {
  for (let tries = 1; ; tries++) {
    try {
      return await bounded(access, () => access.store.commit(writes));
    } catch (e) {
      if (!isTransientStoreError(e)) throw e;
      await backOff(access, tries, deadline, e);
    }
  }
}
