/**
 * The operator console's chart, pure: the hour's spans are aligned to wall-clock multiples, so a span that ended
 * keeps its final counts and only the open span is counted again; the failure rate leaves cancels out and has no
 * value for an empty span; the bars scale to the tallest span and stack failed over completed.
 */
import assert from 'node:assert/strict';
import { barGeometry, CHART } from '../../web/src/admin/bar-chart';
import {
  BUCKET_MS,
  BUCKETS,
  bucketsAt,
  bucketsToCount,
  counted,
  failureRate,
  pruneKnown,
  totals,
  WINDOW_MS,
  type CountedBucket,
} from '../../web/src/admin/throughput';

/** 12:07:30 on some day, in epoch ms: 7.5 minutes into an hour. */
const NOW = Date.UTC(2026, 11, 5, 12, 7, 30);

describe('console chart: spans of the last hour', () => {
  it('cuts the hour into 12 spans of 5 minutes aligned to the clock, the last one holding now', () => {
    const buckets = bucketsAt(NOW);
    assert.equal(buckets.length, BUCKETS);
    assert.equal(BUCKET_MS * BUCKETS, WINDOW_MS);
    const last = buckets[BUCKETS - 1];
    assert.deepEqual(last, { start: Date.UTC(2026, 11, 5, 12, 5), end: Date.UTC(2026, 11, 5, 12, 10) });
    assert.ok(last && last.start <= NOW && NOW < last.end);
    assert.equal(buckets[0]?.start, Date.UTC(2026, 11, 5, 11, 10));
    for (const [i, bucket] of buckets.entries()) {
      assert.equal(bucket.end - bucket.start, BUCKET_MS);
      if (i > 0) assert.equal(bucket.start, buckets[i - 1]?.end, 'no gap, no overlap');
    }
  });

  it('gives the same spans all through one span, and moves by one span when the next begins', () => {
    assert.deepEqual(bucketsAt(NOW), bucketsAt(Date.UTC(2026, 11, 5, 12, 9, 59, 999)));
    const next = bucketsAt(Date.UTC(2026, 11, 5, 12, 10));
    assert.deepEqual(next.slice(0, -1), bucketsAt(NOW).slice(1));
  });

  it('counts an ended span once (its counts taken after its end are final) and the open span every time', () => {
    const buckets = bucketsAt(NOW);
    const known = new Map<number, CountedBucket>();
    assert.equal(bucketsToCount(buckets, known).length, BUCKETS, 'the first refresh counts every span');
    for (const bucket of buckets) known.set(bucket.start, counted(bucket, { completed: 1, failed: 0 }, NOW));
    const again = bucketsToCount(buckets, known);
    assert.deepEqual(again, [buckets[BUCKETS - 1]], 'then only the open one');
    // The open span counted while open is not final; once it has ended, one more count makes it final.
    const open = buckets[BUCKETS - 1];
    assert.ok(open);
    assert.equal(counted(open, { completed: 1, failed: 0 }, open.end - 1).final, false);
    assert.equal(counted(open, { completed: 1, failed: 0 }, open.end).final, true);
  });

  it('forgets spans that left the window, so the cache holds one hour', () => {
    const known = new Map<number, CountedBucket>();
    for (const bucket of bucketsAt(NOW)) known.set(bucket.start, counted(bucket, { completed: 0, failed: 0 }, NOW));
    const later = bucketsAt(NOW + 3 * BUCKET_MS);
    pruneKnown(later, known);
    assert.equal(known.size, BUCKETS - 3);
    for (const start of known.keys()) assert.ok(later.some((bucket) => bucket.start === start));
  });
});

describe('console chart: rates and bars', () => {
  it('rates failures among jobs that ended COMPLETED or FAILED, and has no rate when none ended', () => {
    assert.equal(failureRate({ completed: 3, failed: 1 }), 0.25);
    assert.equal(failureRate({ completed: 0, failed: 2 }), 1);
    assert.equal(failureRate({ completed: 0, failed: 0 }), undefined);
    assert.deepEqual(
      totals([
        { completed: 1, failed: 2 },
        { completed: 3, failed: 0 },
      ]),
      { completed: 4, failed: 2 },
    );
  });

  it('scales the bars to the tallest span and stacks failed on top of completed', () => {
    const buckets = bucketsAt(NOW).slice(0, 3);
    const bars = barGeometry(buckets, [
      { completed: 6, failed: 2 },
      { completed: 2, failed: 2 },
      { completed: 0, failed: 0 },
    ]);
    const plot = CHART.height - CHART.padding;
    const [tallest, half, empty] = bars;
    assert.ok(tallest && half && empty);
    assert.equal(tallest.completed.height + tallest.failed.height, plot, 'the tallest span fills the plot');
    assert.equal(half.completed.height + half.failed.height, plot / 2);
    assert.equal(tallest.failed.y + tallest.failed.height, tallest.completed.y, 'failed sits on completed');
    assert.equal(tallest.completed.y + tallest.completed.height, plot, 'on the baseline');
    assert.equal(empty.completed.height + empty.failed.height, 0);
    assert.ok(half.x > tallest.x + tallest.width, 'side by side, apart');
    assert.match(tallest.label, /: 6 completed, 2 failed$/);
  });

  it('draws an empty hour as no bars, not a division by zero', () => {
    const bars = barGeometry(bucketsAt(NOW), []);
    assert.equal(bars.length, BUCKETS);
    for (const bar of bars) assert.deepEqual([bar.completed.height, bar.failed.height], [0, 0]);
  });
});
