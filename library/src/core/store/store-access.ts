import type { Millis } from '../job';
import type { Clock } from '../ports/clock';
import type { DocumentStore } from '../ports/document-store';
import type { StoreLayout } from '../protocol/store-layout';

/**
 * How the core calls its store: a call that has not answered within `callTimeoutMs` is taken as failed for now
 * (Firestore's own deadline is a minute; a hung call must not hold a job that long), and a transient failure is
 * tried again after a backoff from `initialBackoffMs` doubling to `maxBackoffMs`, with full jitter, until the
 * operation's budget (`budgetMs`, or the deadline a caller gives) runs out.
 */
export interface StoreTimings {
  callTimeoutMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** How long one operation (a read, a transition) keeps trying before its last failure is thrown. */
  budgetMs: number;
}

export const DEFAULT_STORE_TIMINGS: StoreTimings = {
  callTimeoutMs: 15_000,
  initialBackoffMs: 50,
  maxBackoffMs: 2_000,
  budgetMs: 20_000,
};

/** What every protocol operation reaches its store through. */
export interface StoreAccess {
  readonly store: DocumentStore;
  readonly layout: StoreLayout;
  readonly clock: Clock;
  /** In [0, 1): jitter, the start of a slot search, the order of equal candidates. Seeded in simulations. */
  readonly random: () => number;
  readonly timings: StoreTimings;
}

/** The epoch ms by which an operation starting now gives up, for a budget of `budgetMs`. */
export function deadlineAfter(access: StoreAccess, budgetMs = access.timings.budgetMs): Millis {
  return access.clock.now() + budgetMs;
}
