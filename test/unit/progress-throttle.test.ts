/**
 * ProgressThrottle decides which progress reports reach the job document. A handler may call progress()
 * thousands of times a second; Firestore sustains about one write a second per document, so at most one
 * report per interval may be written, and the last report must never be lost. Times are passed in, so every
 * case here is exact.
 */
import assert from 'node:assert/strict';
import type { JobProgress } from '@async-jobs/contract';
import { normaliseProgress, ProgressThrottle } from '../../library/src/core/worker/progress-throttle';

const INTERVAL = 1_000;

const p = (percent: number): JobProgress => ({ percent });

describe('ProgressThrottle', () => {
  it('writes the first offer at once, whatever the time', () => {
    assert.deepEqual(new ProgressThrottle(INTERVAL).offer(p(1), 0), p(1));
    assert.deepEqual(new ProgressThrottle(INTERVAL).offer(p(1), 1_700_000_000_000), p(1));
    assert.deepEqual(new ProgressThrottle(INTERVAL).offer(p(1), -5), p(1));
  });

  it('defers offers within the interval of the last write', () => {
    const throttle = new ProgressThrottle(INTERVAL);
    throttle.offer(p(1), 0);
    assert.equal(throttle.offer(p(2), 1), undefined);
    assert.equal(throttle.offer(p(3), 500), undefined);
    assert.equal(throttle.offer(p(4), INTERVAL - 1), undefined);
  });

  it('writes an offer made exactly one interval after the last write, and drops what was pending', () => {
    const throttle = new ProgressThrottle(INTERVAL);
    throttle.offer(p(1), 0);
    throttle.offer(p(2), 10);
    assert.deepEqual(throttle.offer(p(3), INTERVAL), p(3));
    assert.equal(throttle.nextWriteAt(), undefined);
    assert.equal(throttle.takePending(INTERVAL + 1), undefined, 'the older pending report is superseded');
  });

  it('keeps only the last deferred offer', () => {
    const throttle = new ProgressThrottle(INTERVAL);
    throttle.offer(p(1), 0);
    for (let percent = 2; percent <= 50; percent++) throttle.offer({ percent, message: `m${percent}` }, percent);
    assert.deepEqual(throttle.takePending(INTERVAL), { percent: 50, message: 'm50' });
    assert.equal(throttle.takePending(INTERVAL), undefined, 'taken once');
  });

  describe('nextWriteAt', () => {
    it('is undefined when nothing is pending (before any offer, and after a written one)', () => {
      const throttle = new ProgressThrottle(INTERVAL);
      assert.equal(throttle.nextWriteAt(), undefined);
      throttle.offer(p(1), 0);
      assert.equal(throttle.nextWriteAt(), undefined);
    });

    it('is one interval after the last write while something is pending', () => {
      const throttle = new ProgressThrottle(INTERVAL);
      throttle.offer(p(1), 200);
      throttle.offer(p(2), 300);
      assert.equal(throttle.nextWriteAt(), 200 + INTERVAL);
      throttle.offer(p(3), 900);
      assert.equal(throttle.nextWriteAt(), 200 + INTERVAL, 'a later offer does not push the write back');
    });

    it('counts from the time the pending report was taken', () => {
      const throttle = new ProgressThrottle(INTERVAL);
      throttle.offer(p(1), 0);
      throttle.offer(p(2), 10);
      throttle.takePending(1_250);
      throttle.offer(p(3), 1_300);
      assert.equal(throttle.nextWriteAt(), 1_250 + INTERVAL);
      assert.equal(throttle.offer(p(4), 2_249), undefined);
      assert.deepEqual(throttle.offer(p(5), 2_250), p(5));
    });
  });

  describe('takePending', () => {
    it('is undefined when nothing is pending, and then does not delay the next offer', () => {
      const throttle = new ProgressThrottle(INTERVAL);
      assert.equal(throttle.takePending(0), undefined);
      assert.deepEqual(throttle.offer(p(1), 1), p(1), 'an empty take is not a write');
      assert.equal(throttle.takePending(2), undefined);
      throttle.offer(p(2), 3);
      assert.equal(throttle.nextWriteAt(), 1 + INTERVAL);
    });

    it('returns the pending report and counts as a write', () => {
      const throttle = new ProgressThrottle(INTERVAL);
      throttle.offer(p(1), 0);
      throttle.offer(p(2), 10);
      assert.deepEqual(throttle.takePending(INTERVAL), p(2));
      assert.equal(throttle.nextWriteAt(), undefined);
      assert.equal(throttle.offer(p(3), INTERVAL + 10), undefined, 'within the interval of the taken write');
    });

    it('can flush early, at the end of a job, before the interval is over', () => {
      const throttle = new ProgressThrottle(INTERVAL);
      throttle.offer(p(1), 0);
      throttle.offer(p(100), 5);
      assert.deepEqual(throttle.takePending(6), p(100));
    });
  });

  describe('a chatty handler: 10,000 reports over 3,000 ms', () => {
    const REPORTS = 10_000;
    const SPAN_MS = 3_000;

    /**
     * Drives the throttle as ProgressReporter does: a deferred report sets a timer for nextWriteAt() (one at a
     * time), the timer takes the pending report, and the end of the job takes what is still pending.
     */
    function simulate(): {
      writes: Array<{ at: number; progress: JobProgress }>;
      final?: JobProgress;
      last: JobProgress;
    } {
      const throttle = new ProgressThrottle(INTERVAL);
      const writes: Array<{ at: number; progress: JobProgress }> = [];
      let timerAt: number | undefined;
      const fireTimerIfDue = (now: number) => {
        if (timerAt === undefined || timerAt > now) return;
        const at = timerAt;
        timerAt = undefined;
        const pending = throttle.takePending(at);
        if (pending) writes.push({ at, progress: pending });
      };
      let last = p(0);
      for (let i = 1; i <= REPORTS; i++) {
        const now = ((i - 1) * SPAN_MS) / REPORTS;
        fireTimerIfDue(now);
        last = { percent: (i / REPORTS) * 100, message: `report ${i}` };
        const due = throttle.offer(last, now);
        if (due) writes.push({ at: now, progress: due });
        else timerAt ??= throttle.nextWriteAt();
      }
      fireTimerIfDue(SPAN_MS);
      return { writes, final: throttle.takePending(SPAN_MS), last };
    }

    it('writes at most 4 times while it runs, plus 1 final write', () => {
      const { writes, final } = simulate();
      assert.ok(writes.length >= 3 && writes.length <= 4, `${writes.length} writes`);
      assert.ok(writes.length + (final ? 1 : 0) <= 5);
    });

    it('spaces the writes at least one interval apart', () => {
      const { writes } = simulate();
      assert.equal(writes[0]?.at, 0);
      for (let i = 1; i < writes.length; i++) {
        assert.ok(writes[i].at - writes[i - 1].at >= INTERVAL, `write ${i} at ${writes[i].at}`);
      }
    });

    it('ends with the last value offered (100 %, "report 10000")', () => {
      const { writes, final, last } = simulate();
      const lastWritten = final ?? writes[writes.length - 1]?.progress;
      assert.deepEqual(lastWritten, last);
      assert.deepEqual(lastWritten, { percent: 100, message: `report ${REPORTS}` });
    });

    it('writes increasing values (never an older report after a newer one)', () => {
      const { writes, final } = simulate();
      const percents = [...writes.map((w) => w.progress.percent), ...(final ? [final.percent] : [])];
      assert.deepEqual(
        percents,
        [...percents].sort((a, b) => a - b),
      );
    });

    it('without timers (offers alone) still writes at most 4 times and keeps the last value pending', () => {
      const throttle = new ProgressThrottle(INTERVAL);
      let written = 0;
      for (let i = 1; i <= REPORTS; i++) {
        if (throttle.offer({ percent: (i / REPORTS) * 100 }, ((i - 1) * SPAN_MS) / REPORTS)) written++;
      }
      assert.ok(written <= 4, `${written} writes`);
      assert.deepEqual(throttle.takePending(SPAN_MS), { percent: 100 });
    });
  });
});

describe('normaliseProgress', () => {
  it('keeps a percent in 0–100 with up to one decimal as it is', () => {
    for (const percent of [0, 0.5, 42, 99.9, 100]) assert.deepEqual(normaliseProgress(percent), { percent });
  });

  it('clamps below 0 to 0 and above 100 to 100', () => {
    assert.equal(normaliseProgress(-1).percent, 0);
    assert.equal(normaliseProgress(-1e9).percent, 0);
    assert.equal(normaliseProgress(100.0001).percent, 100);
    assert.equal(normaliseProgress(1e9).percent, 100);
  });

  it('turns NaN into 0', () => {
    assert.equal(normaliseProgress(Number.NaN).percent, 0);
    assert.equal(normaliseProgress(0 / 0, 'x').percent, 0);
  });

  it('never returns a percent Firestore would store as a non-finite number', () => {
    for (const percent of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
      const normalised = normaliseProgress(percent).percent;
      assert.ok(Number.isFinite(normalised) && normalised >= 0 && normalised <= 100, String(percent));
    }
  });

  it('adds no message key when there is no message', () => {
    assert.equal(Object.hasOwn(normaliseProgress(5), 'message'), false);
  });

  it('keeps a message of up to 200 characters, the empty one included', () => {
    assert.deepEqual(normaliseProgress(5, 'halfway'), { percent: 5, message: 'halfway' });
    assert.deepEqual(normaliseProgress(5, ''), { percent: 5, message: '' });
    const exact = 'm'.repeat(200);
    assert.equal(normaliseProgress(5, exact).message, exact);
  });

  it('trims a longer message to 200 characters ending in an ellipsis', () => {
    const long = `${'a'.repeat(200)}${'b'.repeat(10_000)}`;
    assert.equal(normaliseProgress(5, long).message, `${'a'.repeat(199)}…`);
    assert.equal(normaliseProgress(5, 'x'.repeat(201)).message?.length, 200);
  });

  it('does not split an emoji where it trims', () => {
    const message = normaliseProgress(5, `${'a'.repeat(198)}😀tail`).message ?? '';
    assert.doesNotMatch(message, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/, 'no lone high surrogate');
    assert.equal(message, `${'a'.repeat(198)}…`);
  });

  it('reads +Infinity as done (100) and -Infinity as not started (0)', () => {
    assert.equal(normaliseProgress(Number.POSITIVE_INFINITY).percent, 100);
    assert.equal(normaliseProgress(Number.NEGATIVE_INFINITY).percent, 0);
  });
});

describe('normaliseProgress rounding', () => {
  it('rounds the percent to a tenth, so floating-point noise never reaches the document', () => {
    assert.equal(normaliseProgress((11 / 20) * 100).percent, 55);
    assert.equal(normaliseProgress(33.333333).percent, 33.3);
    assert.equal(normaliseProgress(99.96).percent, 100);
  });
});
