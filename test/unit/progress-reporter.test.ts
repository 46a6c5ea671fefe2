/**
 * ProgressReporter is the handler's progress(): it must be cheap to call thousands of times, write at most
 * once per interval (and the last value always), write one at a time in order, and never throw into the
 * handler, whatever the store does. The writer here is a fake that records its calls, the clock is a
 * variable, and the timer is real but short; every wait is on the writer being called, under a deadline.
 */
import assert from 'node:assert/strict';
import type { JobProgress } from '@async-jobs/contract';
import { systemClock } from '../../library/src/adapters/system-clock';
import type { Clock } from '../../library/src/core/ports/clock';
import { ProgressReporter, type ProgressWriter } from '../../library/src/core/worker/progress-reporter';
import { nextTurn, within } from './deadline';

const INTERVAL = 20;
const DEADLINE = 2_000;

/** A promise with its resolve and reject at hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fake writer: records each call; `called(n)` resolves once it has been called n times. */
function recordingWriter(
  respond: (progress: JobProgress, index: number) => Promise<unknown> = () => Promise.resolve(),
) {
  const calls: JobProgress[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const write: ProgressWriter = (progress) => {
    calls.push(progress);
    for (const waiter of waiters.filter((w) => calls.length >= w.n)) waiter.resolve();
    return respond(progress, calls.length - 1);
  };
  const called = (n: number): Promise<void> =>
    within(
      calls.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
      DEADLINE,
      `the writer's call ${n}`,
    );
  return { calls, write, called };
}

/** A clock whose time the test sets by hand (`clock.time`); its timers are real ones. */
function manualClock(start = 0) {
  const clock: Clock & { time: number } = {
    time: start,
    now: () => clock.time,
    setTimer: (ms, callback) => systemClock.setTimer(ms, callback),
  };
  return clock;
}

/** The onError of a test whose writer never fails: an error makes close() reject, failing the test. */
function noError(e: unknown): never {
  assert.fail(`unexpected write error: ${String(e)}`);
}

/** An onError that records what it is given. */
function recordingOnError() {
  const errors: unknown[] = [];
  return { errors, onError: (e: unknown) => void errors.push(e) };
}

describe('ProgressReporter', () => {
  it('writes nothing and counts no write before the first report', () => {
    const writer = recordingWriter();
    const reporter = new ProgressReporter(writer.write, INTERVAL, noError, systemClock);
    assert.equal(reporter.writes, 0);
    assert.deepEqual(writer.calls, []);
  });

  it('writes the first report at once', async () => {
    const writer = recordingWriter();
    const clock = manualClock();
    const reporter = new ProgressReporter(writer.write, 60_000, noError, clock);
    reporter.report(10, 'starting');
    await writer.called(1);
    assert.deepEqual(writer.calls, [{ percent: 10, message: 'starting' }]);
    assert.equal(reporter.writes, 1);
    await reporter.close();
  });

  it('counts the job’s last write before the first report: a report within an interval of it waits', async () => {
    const writer = recordingWriter();
    const clock = manualClock();
    clock.time = 1_000;
    const reporter = new ProgressReporter(writer.write, INTERVAL, noError, clock, 1_000);
    clock.time = 1_000 + INTERVAL / 2;
    reporter.report(10, 'early');
    await Promise.resolve();
    assert.deepEqual(writer.calls, [], 'not written within an interval of the claim');
    clock.time = 1_000 + INTERVAL;
    await writer.called(1);
    assert.deepEqual(writer.calls, [{ percent: 10, message: 'early' }]);
    await reporter.close();
  });

  it('holds a report the interval lets through for settleMs: one made just before the end rides on the end', async () => {
    const writer = recordingWriter();
    const clock = manualClock();
    const reporter = new ProgressReporter(writer.write, INTERVAL, noError, clock, undefined, 60_000);
    reporter.report(100, 'done');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(writer.calls, [], 'held');
    assert.deepEqual(await reporter.close({ keepLast: true }), { percent: 100, message: 'done' });
    assert.deepEqual(writer.calls, [], 'handed to the end, not written');
    assert.equal(reporter.writes, 0);
  });

  it('makes a held write with the newest report made meanwhile: one write, however many reports', async () => {
    const writer = recordingWriter();
    const clock = manualClock();
    const reporter = new ProgressReporter(writer.write, 60_000, noError, clock, undefined, 20);
    for (let percent = 1; percent <= 50; percent++) reporter.report(percent, `report ${percent}`);
    await writer.called(1);
    assert.deepEqual(writer.calls, [{ percent: 50, message: 'report 50' }]);
    assert.equal(reporter.writes, 1);
    await reporter.close();
  });

  it('writes a held report once it has settled, and hands on the newer one deferred after it', async () => {
    const writer = recordingWriter();
    const clock = manualClock();
    const reporter = new ProgressReporter(writer.write, 60_000, noError, clock, undefined, 5);
    reporter.report(10, 'first');
    await writer.called(1);
    assert.deepEqual(writer.calls, [{ percent: 10, message: 'first' }]);
    reporter.report(20, 'second');
    assert.deepEqual(await reporter.close({ keepLast: true }), { percent: 20, message: 'second' });
    assert.equal(reporter.writes, 1);
  });

  it('turns many reports within one interval into one immediate write and one deferred write of the last', async () => {
    const writer = recordingWriter();
    const clock = manualClock();
    const reporter = new ProgressReporter(writer.write, INTERVAL, noError, clock);
    reporter.report(1, 'report 1');
    clock.time = 5;
    for (let i = 2; i <= 500; i++) reporter.report(i / 5, `report ${i}`);
    await writer.called(1);
    assert.deepEqual(writer.calls, [{ percent: 1, message: 'report 1' }]);

    clock.time = INTERVAL;
    await writer.called(2);
    assert.deepEqual(writer.calls, [
      { percent: 1, message: 'report 1' },
      { percent: 100, message: 'report 500' },
    ]);
    assert.equal(reporter.writes, 2);
    await reporter.close();
    assert.equal(writer.calls.length, 2, 'close() has nothing left to write');
  });

  it('does the same with the real clock (the default)', async () => {
    const writer = recordingWriter();
    const reporter = new ProgressReporter(writer.write, INTERVAL, noError, systemClock);
    for (let i = 1; i <= 1_000; i++) reporter.report(i / 10);
    await writer.called(2);
    await reporter.close();
    assert.equal(writer.calls[0]?.percent, 0.1);
    assert.equal(writer.calls[writer.calls.length - 1]?.percent, 100);
    // Two unless the machine stalled for a whole interval inside the loop above.
    assert.ok(writer.calls.length <= 3, `${writer.calls.length} writes`);
  });

  it('cancels a pending timer when a report is written at once, so no write lands inside the new interval', async () => {
    const writer = recordingWriter();
    const clock = manualClock();
    const reporter = new ProgressReporter(writer.write, 60_000, noError, clock);
    reporter.report(1); // written at 0
    clock.time = 59_990;
    reporter.report(2); // deferred: a timer 10 ms away
    clock.time = 60_000;
    reporter.report(3); // a whole interval since the last write: written at once
    clock.time = 60_001;
    reporter.report(4); // deferred to 120 000
    await writer.called(2);
    // Timers of equal or shorter delay fire first: once this one has fired, the 10 ms timer has had its turn.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(writer.calls, [{ percent: 1 }, { percent: 3 }], 'report 4 waits for its own interval');
    await reporter.close();
    assert.deepEqual(writer.calls, [{ percent: 1 }, { percent: 3 }, { percent: 4 }]);
  });

  it('holds a deferred report until the interval is up (here, until close())', async () => {
    const writer = recordingWriter();
    const clock = manualClock();
    const reporter = new ProgressReporter(writer.write, 60_000, noError, clock);
    reporter.report(1);
    clock.time = 100;
    reporter.report(2);
    await writer.called(1);
    for (let i = 0; i < 5; i++) await nextTurn();
    assert.deepEqual(writer.calls, [{ percent: 1 }]);
    assert.equal(reporter.writes, 1);
    await reporter.close();
    assert.deepEqual(writer.calls, [{ percent: 1 }, { percent: 2 }]);
  });

  it('writes a report made a whole interval after the last write at once, without waiting for a timer', async () => {
    const writer = recordingWriter();
    const clock = manualClock();
    const reporter = new ProgressReporter(writer.write, 60_000, noError, clock);
    reporter.report(1);
    clock.time = 60_000;
    reporter.report(2);
    await writer.called(2);
    assert.deepEqual(writer.calls, [{ percent: 1 }, { percent: 2 }]);
    await reporter.close();
  });

  it('normalises what it writes: clamps the percent, NaN to 0, trims the message', async () => {
    const writer = recordingWriter();
    const clock = manualClock();
    const reporter = new ProgressReporter(writer.write, 1, noError, clock);
    reporter.report(150, 'x'.repeat(500));
    clock.time = 10;
    reporter.report(Number.NaN);
    clock.time = 20;
    reporter.report(-3, 'back');
    await writer.called(3);
    assert.deepEqual(writer.calls, [
      { percent: 100, message: `${'x'.repeat(199)}…` },
      { percent: 0 },
      { percent: 0, message: 'back' },
    ]);
    await reporter.close();
  });

  it('writes one at a time, in order: a write starts only when the one before it is done', async () => {
    const first = deferred();
    const writer = recordingWriter((_progress, index) => (index === 0 ? first.promise : Promise.resolve()));
    const clock = manualClock();
    const reporter = new ProgressReporter(writer.write, INTERVAL, noError, clock);
    reporter.report(1);
    clock.time = INTERVAL;
    reporter.report(2);
    clock.time = 2 * INTERVAL;
    reporter.report(3);
    await writer.called(1);
    for (let i = 0; i < 5; i++) await nextTurn();
    assert.equal(writer.calls.length, 1, 'the second write waits for the first');
    first.resolve();
    await writer.called(3);
    assert.deepEqual(
      writer.calls.map((c) => c.percent),
      [1, 2, 3],
    );
    await reporter.close();
  });

  describe('close()', () => {
    it('writes the pending report and resolves only when every write is done', async () => {
      const gates = [deferred(), deferred()];
      const writer = recordingWriter((_progress, index) => gates[index].promise);
      const clock = manualClock();
      const reporter = new ProgressReporter(writer.write, 60_000, noError, clock);
      reporter.report(10);
      clock.time = 5;
      reporter.report(99, 'almost');

      let closed = false;
      const closing = reporter.close().then(() => {
        closed = true;
      });
      await writer.called(1);
      await nextTurn();
      assert.equal(closed, false, 'the first write is still in flight');

      gates[0].resolve();
      await writer.called(2);
      assert.deepEqual(writer.calls[1], { percent: 99, message: 'almost' });
      await nextTurn();
      assert.equal(closed, false, 'the flushed write is still in flight');

      gates[1].resolve();
      await within(closing, DEADLINE, 'close()');
      assert.equal(closed, true);
      assert.equal(reporter.writes, 2);
    });

    it('resolves at once when nothing was ever reported, writing nothing', async () => {
      const writer = recordingWriter();
      const reporter = new ProgressReporter(writer.write, INTERVAL, noError, systemClock);
      await within(reporter.close(), DEADLINE, 'close()');
      assert.deepEqual(writer.calls, []);
      assert.equal(reporter.writes, 0);
    });

    it('writes the last report at close even before its interval is up', async () => {
      const writer = recordingWriter();
      const clock = manualClock();
      const reporter = new ProgressReporter(writer.write, INTERVAL, noError, clock);
      reporter.report(50);
      clock.time = 1;
      reporter.report(100, 'done');
      await reporter.close();
      assert.deepEqual(writer.calls, [{ percent: 50 }, { percent: 100, message: 'done' }]);
    });

    it('hands the pending report back instead of writing it when asked to keep the last (the end write carries it)', async () => {
      const writer = recordingWriter();
      const clock = manualClock();
      const reporter = new ProgressReporter(writer.write, INTERVAL, noError, clock);
      reporter.report(50);
      clock.time = 1;
      reporter.report(100, 'done');
      assert.deepEqual(await reporter.close({ keepLast: true }), { percent: 100, message: 'done' });
      assert.deepEqual(writer.calls, [{ percent: 50 }]);
    });

    it('hands back nothing when the last report was written already', async () => {
      const writer = recordingWriter();
      const reporter = new ProgressReporter(writer.write, INTERVAL, noError, manualClock());
      reporter.report(50);
      assert.equal(await reporter.close({ keepLast: true }), undefined);
      assert.deepEqual(writer.calls, [{ percent: 50 }]);
    });

    it('drops every report made after close(), however long after: the attempt is over', async () => {
      const writer = recordingWriter();
      const clock = manualClock();
      const reporter = new ProgressReporter(writer.write, INTERVAL, noError, clock);
      reporter.report(10);
      await reporter.close();
      clock.time = 10 * INTERVAL;
      reporter.report(60, 'the handler ignored its signal');
      clock.time = 20 * INTERVAL;
      reporter.report(70);
      await nextTurn();
      await reporter.close();
      assert.deepEqual(writer.calls, [{ percent: 10 }]);
      assert.equal(reporter.writes, 1);
    });

    it('does not write the same report twice when its timer already wrote it', async () => {
      const writer = recordingWriter();
      const clock = manualClock();
      const reporter = new ProgressReporter(writer.write, INTERVAL, noError, clock);
      reporter.report(1);
      clock.time = 5;
      reporter.report(2);
      clock.time = INTERVAL;
      await writer.called(2);
      await reporter.close();
      assert.deepEqual(writer.calls, [{ percent: 1 }, { percent: 2 }]);
    });
  });

  describe('a failing writer', () => {
    it('reports a rejected write to onError and never throws into report()', async () => {
      const failure = new Error('the store refused');
      const writer = recordingWriter(() => Promise.reject(failure));
      const { errors, onError } = recordingOnError();
      const clock = manualClock();
      const reporter = new ProgressReporter(writer.write, INTERVAL, onError, clock);
      assert.doesNotThrow(() => reporter.report(1));
      clock.time = INTERVAL;
      assert.doesNotThrow(() => reporter.report(2));
      await within(reporter.close(), DEADLINE, 'close()');
      assert.deepEqual(errors, [failure, failure]);
      assert.equal(writer.calls.length, 2, 'a failed write does not stop the next one');
    });

    it('reports a writer that throws synchronously to onError too', async () => {
      const failure = new Error('thrown, not rejected');
      const { errors, onError } = recordingOnError();
      const reporter = new ProgressReporter(
        () => {
          throw failure;
        },
        INTERVAL,
        onError,
        systemClock,
      );
      assert.doesNotThrow(() => reporter.report(1));
      await within(reporter.close(), DEADLINE, 'close()');
      assert.deepEqual(errors, [failure]);
    });

    it('keeps writing after a failure: the next report still reaches the writer', async () => {
      const writer = recordingWriter((_progress, index) =>
        index === 0 ? Promise.reject(new Error('once')) : Promise.resolve(),
      );
      const { errors, onError } = recordingOnError();
      const clock = manualClock();
      const reporter = new ProgressReporter(writer.write, INTERVAL, onError, clock);
      reporter.report(1);
      clock.time = 5;
      reporter.report(2);
      clock.time = INTERVAL;
      await writer.called(2);
      await reporter.close();
      assert.deepEqual(
        writer.calls.map((c) => c.percent),
        [1, 2],
      );
      assert.equal(errors.length, 1);
    });

    it('resolves close() even when the flushed write fails', async () => {
      const { errors, onError } = recordingOnError();
      const clock = manualClock();
      const reporter = new ProgressReporter(() => Promise.reject(new Error('down')), 60_000, onError, clock);
      reporter.report(1);
      clock.time = 1;
      reporter.report(2);
      await within(reporter.close(), DEADLINE, 'close()');
      assert.equal(errors.length, 2);
    });
  });
});
