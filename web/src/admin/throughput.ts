/**
 * The throughput chart's time buckets: the last hour cut into BUCKETS equal spans aligned to wall-clock multiples of
 * their length, so a span that has ended stays the same span on every refresh and its counts, once taken after its
 * end, are final and never queried again. Only the open span (the newest) is counted again on each refresh.
 */

/** The chart's window: one hour. */
export const WINDOW_MS = 60 * 60 * 1000;
/** Spans in the window: 12 of 5 minutes. */
export const BUCKETS = 12;
export const BUCKET_MS = WINDOW_MS / BUCKETS;

/** A half-open span of time [start, end), epoch milliseconds. */
export interface Bucket {
  start: number;
  end: number;
}

/** What one span counted: jobs that ended COMPLETED and FAILED in it. */
export interface BucketCounts {
  completed: number;
  failed: number;
}

/** A span's counts, and whether they were taken after it ended (then they are final). */
export interface CountedBucket extends BucketCounts {
  final: boolean;
}

/**
 * The spans covering the hour up to `now`, oldest first: the last one is open (it holds `now`), the first begins
 * within the hour before it.
 */
export function bucketsAt(now: number): Bucket[] {
  const openStart = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  return Array.from({ length: BUCKETS }, (_, i) => {
    const start = openStart - (BUCKETS - 1 - i) * BUCKET_MS;
    return { start, end: start + BUCKET_MS };
  });
}

/** The spans of `buckets` to count now: those with no final counts in `known` (by start). */
export function bucketsToCount(buckets: readonly Bucket[], known: ReadonlyMap<number, CountedBucket>): Bucket[] {
  return buckets.filter((bucket) => known.get(bucket.start)?.final !== true);
}

/** Counts taken at `countedAt`: final when the span had ended by then. */
export function counted(bucket: Bucket, counts: BucketCounts, countedAt: number): CountedBucket {
  return { ...counts, final: countedAt >= bucket.end };
}

/** Keeps only the known spans still in the window, so the cache never grows past BUCKETS entries. */
export function pruneKnown(buckets: readonly Bucket[], known: Map<number, CountedBucket>): void {
  const inWindow = new Set(buckets.map((bucket) => bucket.start));
  for (const start of [...known.keys()]) if (!inWindow.has(start)) known.delete(start);
}

/**
 * The share of ended jobs that failed, 0 to 1, or undefined when none ended (no rate, rather than a rate of 0).
 * Cancelled jobs are left out: a cancel is a person's choice, not a failure of the system.
 */
export function failureRate(counts: BucketCounts): number | undefined {
  const ended = counts.completed + counts.failed;
  return ended === 0 ? undefined : counts.failed / ended;
}

/** The hour's totals. */
export function totals(counts: readonly BucketCounts[]): BucketCounts {
  return counts.reduce((sum, c) => ({ completed: sum.completed + c.completed, failed: sum.failed + c.failed }), {
    completed: 0,
    failed: 0,
  });
}
