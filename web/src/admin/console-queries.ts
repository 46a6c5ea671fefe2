/**
 * The operator console's queries, as shapes: which fields each filters on with `==`, and which one it orders or
 * bounds by. Each is served by a composite index of library/firestore/firestore.indexes.json (test/unit checks that
 * it is), and each is bounded: a `count()` aggregation (one read per 1,000 index entries it counts) or a `limit`.
 * console-store.ts builds the Firestore queries from these shapes, so what is checked is what runs.
 */

/** Every job state, in the order the counts table shows them. */
export const JOB_STATES = ['CREATED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;

/**
 * This project's worker pools (functions/src/tasks/pools.ts and the standard pool): the console counts each. An app
 * with other pools lists its own here; the console cannot read the pools from Firestore (`jobPools` is the
 * functions' alone).
 */
export const POOLS = ['standard', 'compute'] as const;

/** How many of the newest failures the console follows. */
export const LATEST_FAILURES_LIMIT = 10;

/** How often the counts and the chart's open span are queried again, in milliseconds. */
export const REFRESH_MS = 10_000;

/** A query of `jobs`: equality filters, then at most one ordered (and possibly ranged) field, and its bound. */
export interface QueryShape {
  readonly equality: readonly string[];
  readonly orderBy?: { readonly field: string; readonly direction: 'asc' | 'desc' };
  /** `count`: an aggregation; a number: a query of at most that many documents. */
  readonly bound: 'count' | number;
}

/** Jobs of one pool in one state: the counts table (POOLS × JOB_STATES counts per refresh). */
export const COUNT_BY_POOL_AND_STATE: QueryShape = { equality: ['pool', 'state'], bound: 'count' };

/** Jobs of one pool waiting for a slot: its depth. */
export const WAITING_IN_POOL: QueryShape = {
  equality: ['pool', 'waiting'],
  orderBy: { field: 'createTime', direction: 'asc' },
  bound: 'count',
};

/** The oldest job of one pool waiting for a slot: its age is the pool's oldest wait. */
export const OLDEST_WAITING_IN_POOL: QueryShape = { ...WAITING_IN_POOL, bound: 1 };

/** Jobs that ended in one state within a span of time (doneTime in [start, end)): a bar of the chart. */
export const ENDED_IN_SPAN: QueryShape = {
  equality: ['state'],
  orderBy: { field: 'doneTime', direction: 'desc' },
  bound: 'count',
};

/** The newest FAILED jobs, newest first: the failures list, followed live. */
export const LATEST_FAILURES: QueryShape = {
  equality: ['state'],
  orderBy: { field: 'doneTime', direction: 'desc' },
  bound: LATEST_FAILURES_LIMIT,
};

/** Every shape the console runs on `jobs`, by name (the retries of a job use `retryOf`'s automatic index). */
export const CONSOLE_QUERIES: Readonly<Record<string, QueryShape>> = {
  COUNT_BY_POOL_AND_STATE,
  WAITING_IN_POOL,
  OLDEST_WAITING_IN_POOL,
  ENDED_IN_SPAN,
  LATEST_FAILURES,
};
