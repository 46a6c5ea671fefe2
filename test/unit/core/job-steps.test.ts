/**
 * A handler's steps (`step` in the task context), through the worker on the in-memory store in simulated time: each
 * step's result stored once with the job's `steps` and `currentStep`, a later attempt (after a crash, a transient
 * failure) returning the steps done without running them, and the names and results a step refuses.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { defineTask } from '../../../library/src/core/tasks/task';
import { TaskError } from '../../../library/src/core/tasks/task-error';
import { MAX_STEP_RESULT_BYTES, STEP_SHOWN_AFTER_MS } from '../../../library/src/core/worker/step-runner';
import { workerSimulation } from './worker-simulation';

const SECOND = 1000;

/** How many times each step's body ran, by name, across every attempt of every job of a test. */
type Bodies = Map<string, number>;

function tasks(clock: Clock, bodies: Bodies) {
  const ran = (name: string) => bodies.set(name, (bodies.get(name) ?? 0) + 1);
  const retry = { initialBackoffMs: 10, maxBackoffMs: 10 };
  return [
    // Three steps of `seconds` each; the second fails for now on the first attempt when told to.
    defineTask({
      type: 'three',
      input: z.strictObject({ seconds: z.number(), failOnce: z.boolean().optional() }),
      retry,
      async run(input, { step, attempt, signal }) {
        const a = await step('fetch', async () => {
          ran('fetch');
          await sleep(clock, input.seconds * SECOND, signal);
          return { token: `from attempt ${attempt}` };
        });
        const b = await step('transform', async () => {
          ran('transform');
          await sleep(clock, input.seconds * SECOND, signal);
          if (input.failOnce && attempt === 1) throw new TaskError('unavailable', 'for now', { transient: true });
          return 2;
        });
        const c = await step('store', async () => {
          ran('store');
          await sleep(clock, input.seconds * SECOND, signal);
          return 'stored';
        });
        return { a, b, c, attempt };
      },
    }),
    // Steps done at once.
    defineTask({
      type: 'parallel',
      input: z.strictObject({}),
      async run(_input, { step, signal }) {
        const pages = await Promise.all(
          [1, 2, 3].map((n) =>
            step(`page-${n}`, async () => {
              await sleep(clock, n * SECOND, signal);
              return n * 10;
            }),
          ),
        );
        return pages;
      },
    }),
    // Misuse, one kind per input.
    defineTask({
      type: 'misuse',
      input: z.strictObject({ kind: z.enum(['twice', 'name', 'large', 'not-json']) }),
      async run({ kind }, { step }) {
        if (kind === 'twice') {
          await step('same', () => Promise.resolve(1));
          await step('same', () => Promise.resolve(2));
        }
        if (kind === 'name') await step('a/b', () => Promise.resolve(1));
        if (kind === 'large') await step('big', () => Promise.resolve('x'.repeat(MAX_STEP_RESULT_BYTES)));
        if (kind === 'not-json') await step('when', () => Promise.resolve(new Date(0)));
        return 'should not get here';
      },
    }),
  ];
}

describe('job steps (simulated time)', () => {
  let bodies: Bodies;
  const simulation = (capacity = 10) => {
    bodies = new Map();
    return workerSimulation((clock) => tasks(clock, bodies), { capacity });
  };

  /**
   * The job of `three` completed on attempt 2 with the first step's result from attempt 1: `fetch` and `store` ran
   * once, `transform` (where attempt 1 stopped) twice.
   */
  function assertResumedAtTransform(job: { result?: unknown }): void {
    assert.deepEqual(job.result, { a: { token: 'from attempt 1' }, b: 2, c: 'stored', attempt: 2 });
    assert.deepEqual(Object.fromEntries(bodies), { fetch: 1, transform: 2, store: 1 });
  }

  it('runs each step once, stores its result, and shows the steps done and the one running on the job', async () => {
    const sim = simulation();
    const id = await sim.create('three', { seconds: 3 });
    await sim.clock.advance(4.5 * SECOND);
    assert.equal(sim.job(id).currentStep, 'transform', 'the job shows the step running');
    assert.deepEqual(sim.job(id).steps, ['fetch'], 'and the steps done');
    await sim.clock.runUntilIdle();

    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.deepEqual(job.result, { a: { token: 'from attempt 1' }, b: 2, c: 'stored', attempt: 1 });
    assert.deepEqual(job.steps, ['fetch', 'transform', 'store']);
    assert.equal(job.currentStep, null);
    assert.deepEqual(
      [...bodies],
      [
        ['fetch', 1],
        ['transform', 1],
        ['store', 1],
      ],
    );
    const stored = sim.store.peek(sim.layout.step(id, 'fetch'))?.data;
    assert.deepEqual(stored?.result, { token: 'from attempt 1' });
    assert.equal(stored?.attempt, 1);
    assert.ok(
      typeof stored?.expireTime === 'number' && stored.expireTime > (job.expireTime ?? Infinity),
      'the step outlives its job, so Firestore’s TTL deletes it after the job',
    );
  });

  it('writes a step that ends within STEP_SHOWN_AFTER_MS once: its result, with the job’s steps', async () => {
    const sim = simulation();
    const id = await sim.create('three', { seconds: (STEP_SHOWN_AFTER_MS / SECOND) * 0.9 });
    await sim.clock.runUntilIdle();
    assert.deepEqual(sim.job(id).steps, ['fetch', 'transform', 'store']);
    const shown = sim.writesOf(id).filter((write) => typeof write.after?.currentStep === 'string');
    assert.equal(shown.length, 0, 'no write showed a step this short');
  });

  it('returns the steps done before a transient failure without running them, and runs the failed one again', async () => {
    const sim = simulation();
    const id = await sim.create('three', { seconds: 1, failOnce: true });
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.attempts, 2);
    assertResumedAtTransform(job);
    assert.deepEqual(job.steps, ['fetch', 'transform', 'store']);
  });

  it('resumes a job whose worker was killed mid-step at that step: the steps before it do not run again', async () => {
    const sim = simulation();
    const id = await sim.create('three', { seconds: 10 });
    await sim.clock.advance(15 * SECOND);
    assert.deepEqual(sim.job(id).steps, ['fetch']);
    const [run] = sim.runsOf(id);
    assert.ok(run);
    run.process.kill();
    await sim.clock.advanceTo((sim.job(id).leaseExpireTime ?? 0) + 1);
    assert.deepEqual((await sim.sweep()).retry, [id], 'the sweep retries the job once its lease lapsed');
    await sim.clock.runUntilIdle();

    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assertResumedAtTransform(job);
  });

  it('records steps done at once, each in the job’s steps', async () => {
    const sim = simulation();
    const id = await sim.create('parallel', {});
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.deepEqual(job.result, [10, 20, 30]);
    assert.deepEqual(job.steps, ['page-1', 'page-2', 'page-3']);
  });

  const refusals: [kind: string, message: RegExp][] = [
    ['twice', /step name "same" is used twice/],
    ['name', /step name "a\/b" is not allowed/],
    ['large', /result of step "big" takes \d+ bytes, more than the 524288/],
    ['not-json', /result of step "when" cannot be stored/],
  ];
  for (const [kind, message] of refusals) {
    it(`fails the job invalid-argument, naming the step, for a ${kind} step`, async () => {
      const sim = simulation();
      const id = await sim.create('misuse', { kind });
      await sim.clock.runUntilIdle();
      const job = sim.job(id);
      assert.equal(job.state, 'FAILED');
      assert.equal(job.attempts, 1, 'not retried: running it again would do the same');
      assert.equal(job.error?.code, 'invalid-argument');
      assert.match(job.error?.message ?? '', message);
    });
  }
});
