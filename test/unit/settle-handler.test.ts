/**
 * settleHandler is how the worker waits for a handler: it must report how the handler ended, and once the
 * job is cancelled or out of time it must stop waiting after the grace period even if the handler never
 * ends, or a handler that ignores its signal would keep its job RUNNING until the worker is killed.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../../library/src/adapters/system-clock';
import { settleHandler } from '../../library/src/core/worker/settle-handler';
import { nextTurn, within } from './deadline';

const GRACE = 20;
const DEADLINE = 2_000;

/** A handler that never ends, whatever its signal says. */
const never = (): Promise<never> => new Promise<never>(() => undefined);

/** A handler that runs until its signal aborts, then rejects with the signal's reason (a well-behaved one). */
function untilAborted(signal: AbortSignal): Promise<never> {
  // abortableDelay's way: rejects with signal.reason itself (the tests abort with Errors).
  const stop = (reject: (reason: Error) => void) => () => reject(signal.reason as Error);
  return new Promise<never>((_resolve, reject) => {
    if (signal.aborted) stop(reject)();
    else signal.addEventListener('abort', stop(reject), { once: true });
  });
}

describe('settleHandler', () => {
  it('reports a handler that returned, with its value', async () => {
    const { signal } = new AbortController();
    const settled = await within(
      settleHandler(Promise.resolve({ count: 4 }), signal, GRACE, systemClock),
      DEADLINE,
      'settle',
    );
    assert.deepEqual(settled, { kind: 'returned', value: { count: 4 } });
  });

  it('reports a handler that returned undefined as returned', async () => {
    const { signal } = new AbortController();
    assert.deepEqual(await settleHandler(Promise.resolve(undefined), signal, GRACE, systemClock), {
      kind: 'returned',
      value: undefined,
    });
  });

  it('reports a handler that threw, with what it threw (Errors and anything else)', async () => {
    const { signal } = new AbortController();
    const error = new Error('boom');
    assert.deepEqual(await settleHandler(Promise.reject(error), signal, GRACE, systemClock), { kind: 'threw', error });
    // A handler may throw anything; what it threw is passed on untouched.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the non-Error is the point
    const settled = await settleHandler(Promise.reject('a string'), signal, GRACE, systemClock);
    assert.deepEqual(settled, { kind: 'threw', error: 'a string' });
  });

  it('waits for a slow handler as long as it takes while the signal is not aborted', async () => {
    const controller = new AbortController();
    let finish!: (value: string) => void;
    const run = new Promise<string>((resolve) => (finish = resolve));
    let settledYet = false;
    const settling = settleHandler(run, controller.signal, GRACE, systemClock).then((settled) => {
      settledYet = true;
      return settled;
    });
    for (let i = 0; i < 5; i++) await nextTurn();
    assert.equal(settledYet, false);
    finish('late but fine');
    assert.deepEqual(await within(settling, DEADLINE, 'settle'), { kind: 'returned', value: 'late but fine' });
  });

  it('reports a handler that stops within the grace after the abort as threw, with the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by owner');
    const settling = settleHandler(untilAborted(controller.signal), controller.signal, 60_000, systemClock);
    controller.abort(reason);
    const settled = await within(settling, DEADLINE, 'settle');
    assert.equal(settled.kind, 'threw');
    assert.equal(settled.kind === 'threw' && settled.error, reason);
  });

  it('reports a handler that returns within the grace after the abort as returned', async () => {
    const controller = new AbortController();
    const run = new Promise((resolve) => controller.signal.addEventListener('abort', () => resolve('partial')));
    const settling = settleHandler(run, controller.signal, 60_000, systemClock);
    controller.abort();
    assert.deepEqual(await within(settling, DEADLINE, 'settle'), { kind: 'returned', value: 'partial' });
  });

  it('abandons a handler that ignores the abort, once the grace is over (not before)', async () => {
    const controller = new AbortController();
    const settling = settleHandler(never(), controller.signal, GRACE, systemClock);
    const abortedAt = performance.now();
    controller.abort(new Error('time limit'));
    const settled = await within(settling, DEADLINE, 'settle');
    const waited = performance.now() - abortedAt;
    assert.deepEqual(settled, { kind: 'abandoned' });
    // Timers never fire early; allow 1 ms for the clocks' rounding.
    assert.ok(waited >= GRACE - 1, `abandoned after ${waited.toFixed(1)} ms, grace ${GRACE} ms`);
  });

  it('does not start the grace before the abort: a never-ending handler with a live signal is not abandoned', async () => {
    const controller = new AbortController();
    let settledYet = false;
    const settling = settleHandler(never(), controller.signal, 0, systemClock).then((settled) => {
      settledYet = true;
      return settled;
    });
    for (let i = 0; i < 5; i++) await nextTurn();
    assert.equal(settledYet, false);
    controller.abort();
    assert.deepEqual(await within(settling, DEADLINE, 'settle'), { kind: 'abandoned' });
  });

  describe('with a signal already aborted', () => {
    it('abandons a handler that ignores it after the grace', async () => {
      const signal = AbortSignal.abort(new Error('cancelled before the start'));
      const started = performance.now();
      assert.deepEqual(await within(settleHandler(never(), signal, GRACE, systemClock), DEADLINE, 'settle'), {
        kind: 'abandoned',
      });
      assert.ok(performance.now() - started >= GRACE - 1);
    });

    it('reports a handler that stops on it as threw, with its reason', async () => {
      const reason = new Error('cancelled before the start');
      const signal = AbortSignal.abort(reason);
      const settled = await within(
        settleHandler(untilAborted(signal), signal, 60_000, systemClock),
        DEADLINE,
        'settle',
      );
      assert.deepEqual(settled, { kind: 'threw', error: reason });
    });

    it('reports a handler that returns anyway as returned', async () => {
      const signal = AbortSignal.abort();
      const settled = await within(settleHandler(Promise.resolve(7), signal, 60_000, systemClock), DEADLINE, 'settle');
      assert.deepEqual(settled, { kind: 'returned', value: 7 });
    });
  });

  it('removes its abort listener once the handler has settled', async () => {
    const controller = new AbortController();
    let finish!: () => void;
    const run = new Promise<string>((resolve) => (finish = () => resolve('done')));
    const settling = settleHandler(run, controller.signal, GRACE, systemClock);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1, 'it listens while the handler runs');
    finish();
    assert.deepEqual(await within(settling, DEADLINE, 'settle'), { kind: 'returned', value: 'done' });
    await nextTurn();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assert.doesNotThrow(() => controller.abort(), 'a late abort reaches nobody');
  });

  it('settles only once: a handler that ends after being abandoned changes nothing', async () => {
    const controller = new AbortController();
    let finish!: () => void;
    const run = new Promise<string>((resolve) => (finish = () => resolve('too late')));
    const settling = settleHandler(run, controller.signal, GRACE, systemClock);
    controller.abort();
    assert.deepEqual(await within(settling, DEADLINE, 'settle'), { kind: 'abandoned' });
    finish();
    await nextTurn();
    assert.deepEqual(await settling, { kind: 'abandoned' });
  });
});
