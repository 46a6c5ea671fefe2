/**
 * Jobs longer than one invocation, through the worker, the wake-up and the sweep on the in-memory store in simulated
 * time: a sleep that holds no slot and wakes on time, a job of many steps that goes on in new invocations at its
 * owner's turn, a cancel while asleep, a lost timer, a crash mid-step of a continuation, a wait for a signal (sent,
 * timed out, refused), and the time limits a task definition refuses.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { defineTask, MAX_TASK_TIMEOUT_SECONDS } from '../../../library/src/core/tasks/task';
import { workerSimulation, type JobWrite } from './worker-simulation';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** How many times each step's body ran, by name. */
type Bodies = Map<string, number>;

function tasks(clock: Clock, bodies: Bodies) {
  const ran = (name: string) => bodies.set(name, (bodies.get(name) ?? 0) + 1);
  return [
    // A step, a sleep, a step.
    defineTask({
      type: 'nap',
      input: z.strictObject({ napSeconds: z.number() }),
      totalTimeoutSeconds: 2 * 60 * 60,
      async run({ napSeconds }, { step, sleep: nap, signal }) {
        const before = await step('before', async () => {
          ran('before');
          await sleep(clock, 2 * SECOND, signal);
          return clock.now();
        });
        await nap('nap', napSeconds * SECOND);
        const after = await step('after', async () => {
          ran('after');
          await sleep(clock, 2 * SECOND, signal);
          return clock.now();
        });
        return { before, after };
      },
    }),
    // `steps` steps of `stepSeconds` each: longer in all than one invocation (300 s).
    defineTask({
      type: 'long',
      input: z.strictObject({ steps: z.number().int(), stepSeconds: z.number() }),
      timeoutSeconds: 300,
      totalTimeoutSeconds: 24 * 60 * 60,
      stepTimeoutSeconds: 90,
      async run({ steps, stepSeconds }, { step, signal }) {
        let sum = 0;
        for (let n = 1; n <= steps; n++) {
          sum += await step(`part-${n}`, async () => {
            ran(`part-${n}`);
            await sleep(clock, stepSeconds * SECOND, signal);
            return n;
          });
        }
        return sum;
      },
    }),
    // A draft, a person's approval (or none, after `timeoutSeconds`), then publishing what was approved.
    defineTask({
      type: 'approval',
      input: z.strictObject({ timeoutSeconds: z.number() }),
      totalTimeoutSeconds: 24 * 60 * 60,
      signals: { approve: z.strictObject({ ok: z.boolean(), by: z.string().min(1) }) },
      async run({ timeoutSeconds }, { step, waitForSignal }) {
        await step('draft', () => {
          ran('draft');
          return Promise.resolve('a draft');
        });
        const answer = await waitForSignal<{ ok: boolean; by: string }>('approve', { timeoutSeconds });
        return step('publish', () => {
          ran('publish');
          return Promise.resolve(answer);
        });
      },
    }),
    // A step that overruns its invocation on the first attempt (as a store call that hangs would make it).
    defineTask({
      type: 'overrun',
      input: z.strictObject({}),
      timeoutSeconds: 60,
      stepTimeoutSeconds: 30,
      totalTimeoutSeconds: 3600,
      retry: { initialBackoffMs: 10, maxBackoffMs: 10 },
      async run(_input, { step, attempt, signal }) {
        await step('a', async () => {
          ran('a');
          await sleep(clock, 5 * SECOND, signal);
        });
        await step('b', async () => {
          ran('b');
          await sleep(clock, (attempt === 1 ? 70 : 5) * SECOND, signal);
        });
        return attempt;
      },
    }),
    // Steps declared as long as an invocation: one step an invocation.
    defineTask({
      type: 'one-each',
      input: z.strictObject({}),
      stepTimeoutSeconds: 60,
      totalTimeoutSeconds: 3600,
      async run(_input, { step, signal }) {
        await sleep(clock, 1 * SECOND, signal);
        for (const name of ['x', 'y', 'z']) {
          await step(name, async () => {
            ran(name);
            await sleep(clock, 1 * SECOND, signal);
          });
        }
        return 'done';
      },
    }),
    defineTask({
      type: 'quick',
      input: z.strictObject({}),
      run: () => Promise.resolve('quick done'),
    }),
  ];
}

/** Whether a write moved the job from a worker's hands to suspended (no lease), and why. */
const suspendedBy = (write: JobWrite): unknown =>
  write.before?.state === 'RUNNING' &&
  typeof write.before.leaseExpireTime === 'number' &&
  write.after?.state === 'RUNNING' &&
  write.after.leaseExpireTime === null
    ? write.after.waitReason
    : undefined;

describe('long jobs: sleeps and continuations (simulated time)', () => {
  let bodies: Bodies;
  const simulation = (capacity = 10) => {
    bodies = new Map();
    return workerSimulation((clock) => tasks(clock, bodies), { capacity });
  };

  it('sleeps holding no slot: another job runs in the only slot meanwhile, and the sleeper wakes on time', async () => {
    const sim = simulation(1);
    const id = await sim.create('nap', { napSeconds: 90 });
    await sim.clock.advance(3 * SECOND);
    const asleep = sim.job(id);
    assert.equal(asleep.state, 'RUNNING', 'a sleeping job is still RUNNING to its owner');
    assert.equal(asleep.waitReason, 'sleep');
    assert.equal(asleep.currentStep, 'nap', 'the job shows the sleep it is in');
    assert.equal(asleep.leaseExpireTime, null, 'no worker holds it');
    assert.equal(asleep.slot, null, 'and it holds no slot');
    const dueAt = asleep.dispatchTime as number;
    assert.ok(dueAt > sim.clock.now() + 80 * SECOND, 'it is due when the sleep ends');
    assert.deepEqual(asleep.steps, ['before', 'nap']);
    assert.deepEqual(sim.slotHolders(), [], 'the slot is free');
    assert.deepEqual(
      sim.timers.set.map((t) => [t.jobId, t.time]),
      [[id, dueAt]],
      'one timer, at its end',
    );

    const other = await sim.create('quick', {});
    await sim.clock.advance(1 * SECOND);
    assert.equal(sim.job(other).state, 'COMPLETED', 'another job ran in the only slot while it slept');

    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    const { before, after } = job.result as { before: number; after: number };
    assert.ok(after - dueAt >= 2 * SECOND && after - dueAt < 3 * SECOND, 'it went on at its time');
    assert.ok(after - before >= 90 * SECOND);
    assert.deepEqual(Object.fromEntries(bodies), { before: 1, after: 1 }, 'each step ran once');
    assert.equal(job.attempts, 1, 'a sleep is not an attempt');
    assert.deepEqual(job.steps, ['before', 'nap', 'after']);
    assert.equal(sim.runsOf(id).length, 2, 'two invocations: before the sleep and after it');
    assert.deepEqual(sim.slotHolders(), []);
  });

  it('goes on past one invocation between steps, at its owner’s turn, each step run once', async () => {
    const sim = simulation(1);
    const id = await sim.create('long', { steps: 30, stepSeconds: 60 });
    // Another owner's job waits for the only slot: the long job's first continuation hands the slot to it.
    await sim.clock.advance(10 * SECOND);
    const other = await sim.create('quick', {}, 'owner-2');
    await sim.clock.runUntilIdle();

    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED', JSON.stringify(job.error));
    assert.equal(job.result, (30 * 31) / 2);
    for (let n = 1; n <= 30; n++) assert.equal(bodies.get(`part-${n}`), 1, `part-${n} ran once`);
    assert.equal(job.attempts, 1, 'continuations keep the attempt');
    const continuations = sim.writesOf(id).filter((w) => suspendedBy(w) === 'continue').length;
    // 300 s an invocation, 90 s kept for a step: three or four 60 s steps per invocation.
    assert.ok(continuations >= 7 && continuations <= 10, `${continuations} continuations`);
    assert.equal(sim.runsOf(id).length, continuations + 1, 'one invocation after each');
    const otherJob = sim.job(other);
    assert.equal(otherJob.state, 'COMPLETED');
    assert.ok(
      (otherJob.doneTime as number) < sim.job(id).createTime + 6 * MINUTE,
      'the other owner’s job ran at the first continuation, not after the long job',
    );
  });

  it('ends a sleeping job CANCELLED at once when its owner cancels, and its wake-up then does nothing', async () => {
    const sim = simulation(1);
    const id = await sim.create('nap', { napSeconds: 3600 });
    await sim.clock.advance(3 * SECOND);
    assert.equal(sim.job(id).waitReason, 'sleep');
    const answer = await sim.cancel(id);
    assert.equal(sim.job(id).state, 'CANCELLED', JSON.stringify(answer));
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'CANCELLED');
    assert.deepEqual(Object.fromEntries(bodies), { before: 1 }, 'nothing ran after the cancel');
    assert.equal(sim.runsOf(id).length, 1);
  });

  it('is woken by the sweep when its timer is lost', async () => {
    const sim = simulation(1);
    sim.timers.lose(1);
    const id = await sim.create('nap', { napSeconds: 60 });
    await sim.clock.advance(70 * SECOND);
    assert.equal(sim.job(id).waitReason, 'sleep', 'no timer woke it');
    await sim.clock.advance(10 * SECOND);
    const report = await sim.sweep();
    assert.deepEqual(report.woken, [id]);
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'COMPLETED');
    assert.deepEqual(Object.fromEntries(bodies), { before: 1, after: 1 });
  });

  it('resumes at the step it was in when its worker dies after a continuation', async () => {
    const sim = simulation(1);
    const id = await sim.create('long', { steps: 8, stepSeconds: 60 });
    // Four 60 s steps fit an invocation of 300 s that keeps 90 s for a step: the second invocation starts at about
    // 240 s with part 5; kill it 30 s into part 7.
    await sim.clock.advance(6 * MINUTE + 30 * SECOND);
    const runs = sim.runsOf(id);
    assert.equal(runs.length, 2, 'the job is in its second invocation');
    runs[1]?.process.kill();
    // The lease lapses; the sweep queues another attempt, which finds parts 1–6 done.
    for (let i = 0; i < 5 && !sim.job(id).done; i++) {
      await sim.clock.advance(MINUTE);
      await sim.sweep();
    }
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED', JSON.stringify(job.error));
    assert.equal(job.attempts, 2);
    assert.deepEqual(
      [...bodies.entries()].filter(([, count]) => count > 1).map(([name]) => name),
      ['part-7'],
      'only the step the crash cut short ran again',
    );
  });

  it('runs at least one step in each invocation, so a job whose steps fill an invocation still gets forward', async () => {
    const sim = simulation(1);
    const id = await sim.create('one-each', {});
    await sim.clock.runUntil(() => sim.job(id).done, { limitMs: 10 * MINUTE });
    assert.equal(sim.job(id).state, 'COMPLETED');
    assert.deepEqual(Object.fromEntries(bodies), { x: 1, y: 1, z: 1 });
    assert.equal(sim.runsOf(id).length, 3, 'one step an invocation');
  });

  it('retries a step that overruns its invocation, keeping the steps done, when the job may go on', async () => {
    const sim = simulation(1);
    const id = await sim.create('overrun', {});
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED', JSON.stringify(job.error));
    assert.equal(job.result, 2);
    assert.deepEqual(Object.fromEntries(bodies), { a: 1, b: 2 }, 'the overrun step ran again, the one before it not');
  });

  it('fails a sleep that would end past the job’s time limit, with deadline-exceeded naming the sleep', async () => {
    const sim = simulation(1);
    const id = await sim.create('nap', { napSeconds: 3 * 60 * 60 });
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.error?.code, 'deadline-exceeded');
    assert.match(job.error?.message ?? '', /the sleep "nap" would end after the job's time limit/);
  });

  it('waits for a signal holding no slot, and goes on at once with its payload when the owner sends it', async () => {
    const sim = simulation(1);
    const id = await sim.create('approval', { timeoutSeconds: 3600 });
    await sim.clock.advance(1 * SECOND);
    const waiting = sim.job(id);
    assert.equal(waiting.state, 'RUNNING');
    assert.equal(waiting.waitReason, 'signal');
    assert.equal(waiting.currentStep, 'approve', 'the job shows the signal it waits for');
    assert.equal(waiting.slot, null, 'and holds no slot');
    const timeoutAt = waiting.dispatchTime as number;

    await sim.clock.advance(10 * MINUTE);
    const answer = await sim.signal(id, 'approve', { ok: true, by: 'ana' });
    assert.deepEqual(answer, { id, name: 'approve', state: 'RUNNING' });
    await sim.clock.advance(1 * SECOND);
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED', JSON.stringify(job.error));
    assert.deepEqual(job.result, { received: true, payload: { ok: true, by: 'ana' } });
    assert.ok((job.doneTime as number) < timeoutAt);
    assert.deepEqual(job.steps, ['draft', 'approve', 'publish']);
    assert.deepEqual(Object.fromEntries(bodies), { draft: 1, publish: 1 });
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'COMPLETED', 'its timer, firing later, finds nothing to do');
  });

  it('ends a wait for a signal at its timeout with { received: false }', async () => {
    const sim = simulation(1);
    const id = await sim.create('approval', { timeoutSeconds: 600 });
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.deepEqual(job.result, { received: false });
    await assert.rejects(sim.signal(id, 'approve', { ok: true, by: 'late' }), { code: 'failed-precondition' });
  });

  it('refuses a signal that is not awaited, not declared, not valid or not the owner’s, writing nothing', async () => {
    const sim = simulation(1);
    const id = await sim.create('approval', { timeoutSeconds: 3600 });
    const early = await sim.create('approval', { timeoutSeconds: 3600 }, 'owner-2');
    await assert.rejects(sim.signal(early, 'approve', { ok: true, by: 'x' }, 'owner-2'), {
      code: 'failed-precondition',
      message: /is not waiting for the signal "approve": it is CREATED/,
    });
    await sim.clock.advance(1 * SECOND);
    const before = sim.writesOf(id).length;
    await assert.rejects(sim.signal(id, 'approve', { ok: 'yes', by: 'x' }), {
      code: 'invalid-argument',
      field: 'payload.ok',
    });
    await assert.rejects(sim.signal(id, 'reject', {}), { code: 'invalid-argument', field: 'name' });
    await assert.rejects(sim.signal(id, 'approve', { ok: true, by: 'x' }, 'owner-2'), { code: 'not-found' });
    assert.equal(sim.writesOf(id).length, before, 'nothing was written');
    assert.equal(sim.job(id).waitReason, 'signal');
    await sim.signal(id, 'approve', { ok: false, by: 'bo' });
    await assert.rejects(sim.signal(id, 'approve', { ok: true, by: 'bo' }), { code: 'failed-precondition' });
    await sim.clock.runUntilIdle();
    assert.deepEqual(sim.job(id).result, { received: true, payload: { ok: false, by: 'bo' } }, 'the first signal');
  });

  it('takes a trusted server’s signal to any owner’s job, with the same schema and state checks', async () => {
    const sim = simulation(1);
    const id = await sim.create('approval', { timeoutSeconds: 3600 }, 'owner-2');
    await assert.rejects(sim.signalFromServer(id, 'approve', { ok: true, by: 'hook' }), {
      code: 'failed-precondition',
      message: /it is CREATED/,
    });
    await sim.clock.advance(1 * SECOND);
    await assert.rejects(sim.signalFromServer(id, 'approve', { ok: 1, by: 'hook' }), {
      code: 'invalid-argument',
      field: 'payload.ok',
    });
    await assert.rejects(sim.signalFromServer('nosuchjob0000000000', 'approve', { ok: true, by: 'x' }), {
      code: 'not-found',
    });
    const answer = await sim.signalFromServer(id, 'approve', { ok: true, by: 'hook' });
    assert.deepEqual(answer, { id, name: 'approve', state: 'RUNNING' });
    await sim.clock.advance(1 * SECOND);
    assert.deepEqual(sim.job(id).result, { received: true, payload: { ok: true, by: 'hook' } });
    assert.equal(sim.job(id).owner, 'owner-2');
  });

  it('ends a job waiting for a signal CANCELLED at once when its owner cancels it', async () => {
    const sim = simulation(1);
    const id = await sim.create('approval', { timeoutSeconds: 3600 });
    await sim.clock.advance(1 * SECOND);
    await sim.cancel(id);
    assert.equal(sim.job(id).state, 'CANCELLED');
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'CANCELLED');
    assert.deepEqual(Object.fromEntries(bodies), { draft: 1 });
  });

  it('starts a job created with a delay at its time, holding nothing until then', async () => {
    const sim = simulation(1);
    const createdAt = sim.clock.now();
    const id = await sim.createDelayed('quick', {}, 120);
    const waiting = sim.job(id);
    assert.equal(waiting.state, 'CREATED');
    assert.equal(waiting.waitReason, 'scheduled');
    assert.equal(waiting.dispatchTime, createdAt + 120 * SECOND);
    assert.equal(waiting.slot, null);
    assert.deepEqual(
      sim.timers.set.map((timer) => [timer.jobId, timer.time]),
      [[id, createdAt + 120 * SECOND]],
    );
    const other = await sim.create('quick', {});
    await sim.clock.advance(1 * SECOND);
    assert.equal(sim.job(other).state, 'COMPLETED', 'the only slot was free for another job meanwhile');
    await sim.clock.advanceTo(createdAt + 120 * SECOND - 1);
    assert.equal(sim.job(id).state, 'CREATED');
    await sim.clock.runUntilIdle();
    const job = sim.job(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.startTime, createdAt + 120 * SECOND, 'started at its time');
  });

  it('refuses a delay that is not a number of seconds above 0 and at most 30 days, writing nothing', async () => {
    const sim = simulation(1);
    for (const delaySeconds of [0, -5, '60', Number.NaN, 30 * 24 * 60 * 60 + 1]) {
      await assert.rejects(sim.createDelayed('quick', {}, delaySeconds), {
        code: 'invalid-argument',
        field: 'delaySeconds',
      });
    }
    assert.equal(sim.store.peekCollection(sim.layout.jobs).length, 0);
  });

  it('counts a delayed job against its owner’s limit, and cancels it at once', async () => {
    bodies = new Map();
    const sim = workerSimulation((clock) => tasks(clock, bodies), { capacity: 1, limits: { maxActiveJobsPerUser: 1 } });
    const id = await sim.createDelayed('quick', {}, 600);
    await assert.rejects(sim.create('quick', {}), { code: 'resource-exhausted' });
    await sim.cancel(id);
    assert.equal(sim.job(id).state, 'CANCELLED');
    await sim.clock.runUntilIdle();
    assert.equal(sim.job(id).state, 'CANCELLED', 'its timer, firing later, finds nothing to do');
  });

  it('refuses a task whose invocation passes MAX_TASK_TIMEOUT_SECONDS, whose step is longer than one, or whose total is shorter', () => {
    const base = { type: 't', input: z.strictObject({}), run: () => Promise.resolve(1) };
    assert.throws(
      () => defineTask({ ...base, timeoutSeconds: MAX_TASK_TIMEOUT_SECONDS + 1 }),
      /timeoutSeconds must be above 0 and at most 450, so a run fits the worker's own timeout, not 451/,
    );
    assert.throws(() => defineTask({ ...base, timeoutSeconds: 0 }), /timeoutSeconds must be above 0/);
    assert.doesNotThrow(() => defineTask({ ...base, timeoutSeconds: MAX_TASK_TIMEOUT_SECONDS }));
    assert.throws(
      () => defineTask({ ...base, timeoutSeconds: 60, stepTimeoutSeconds: 120 }),
      /stepTimeoutSeconds .* a step must fit one invocation/,
    );
    assert.throws(
      () => defineTask({ ...base, timeoutSeconds: 60, totalTimeoutSeconds: 30 }),
      /totalTimeoutSeconds must be from timeoutSeconds/,
    );
    assert.doesNotThrow(() => defineTask({ ...base, timeoutSeconds: 300, totalTimeoutSeconds: 86_400 }));
  });
});
