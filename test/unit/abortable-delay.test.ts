/**
 * abortableDelay is what a handler awaits between steps: it must wait the time it is given, and when the job
 * is cancelled or out of time it must stop at once with the signal's reason (the worker reads the reason to
 * tell a cancel from a timeout), not with timers/promises' generic AbortError.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { abortableDelay } from '../../library/src/core/tasks/abortable-delay';
import { within } from './deadline';

const DEADLINE = 2_000;

describe('abortableDelay', () => {
  it('resolves after the time it is given (not before)', async () => {
    const started = performance.now();
    await within(abortableDelay(20, new AbortController().signal), DEADLINE, 'the delay');
    assert.ok(performance.now() - started >= 19, 'timers never fire early; 1 ms for rounding');
  });

  it('resolves for 0 ms', async () => {
    assert.equal(await within(abortableDelay(0, new AbortController().signal), DEADLINE, 'the delay'), undefined);
  });

  it("rejects with the signal's reason when it aborts mid-wait, promptly", async () => {
    const controller = new AbortController();
    const reason = new Error('the job was cancelled by its owner');
    const started = performance.now();
    const waiting = abortableDelay(60_000, controller.signal);
    setImmediate(() => controller.abort(reason));
    await assert.rejects(within(waiting, DEADLINE, 'the aborted delay'), (e: unknown) => e === reason);
    assert.ok(performance.now() - started < DEADLINE);
  });

  it("rejects with the signal's reason when it was aborted before the call", async () => {
    const reason = new Error('time limit');
    await assert.rejects(
      within(abortableDelay(60_000, AbortSignal.abort(reason)), DEADLINE, 'the aborted delay'),
      (e: unknown) => e === reason,
    );
  });

  it("rejects with the signal's reason whatever its type (a non-Error reason is passed through as it is)", async () => {
    const controller = new AbortController();
    const waiting = abortableDelay(60_000, controller.signal);
    controller.abort('a string reason');
    await assert.rejects(within(waiting, DEADLINE, 'the aborted delay'), (e: unknown) => e === 'a string reason');
  });

  it("rejects with the signal's default reason (an AbortError DOMException) when aborted without one", async () => {
    const controller = new AbortController();
    const waiting = abortableDelay(60_000, controller.signal);
    controller.abort();
    await assert.rejects(
      within(waiting, DEADLINE, 'the aborted delay'),
      (e: unknown) => e === controller.signal.reason,
    );
    assert.equal((controller.signal.reason as DOMException).name, 'AbortError');
  });

  it('leaves no listener on the signal once it has resolved', async () => {
    const controller = new AbortController();
    await within(abortableDelay(1, controller.signal), DEADLINE, 'the delay');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});
