/**
 * A done job's outcome is sacred: the worker never throws away a result because one commit failed for now, never
 * stores Firestore's own error text for the owner to read, and nothing of an attempt writes the job after its
 * end. The worker runs in this process on the emulators, with tasks this file defines.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { JobOutcome } from '../../library/src/core/job';
import type { AttemptRef, JobRepository } from '../../library/src/core/ports/job-repository';
import { DEFAULT_WORKER_TIMINGS } from '../../library/src/core/worker/worker-timings';
import { handleTaskMessage } from '../../library/src/entry/worker';
import { TaskRegistry } from '../../library/src/core/tasks/task-registry';
import { defineTask } from '../../library/src/core/tasks/task';
import { adminFirestore, readJob } from '../helpers/admin';
import { CapturingQueue, emulatorJobs, inProcessDeps } from '../helpers/in-process';
import { deliveredMessage } from '../helpers/messages';
import { createDispatchedJob } from '../helpers/queued-jobs';

/** Completes with a result of `bytes` characters (over 1 MiB cannot be stored in a document). */
const bigResultTask = defineTask({
  type: 'test.bigResult',
  input: z.strictObject({ bytes: z.number().int() }),
  // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
  async run({ bytes }) {
    return 'x'.repeat(bytes);
  },
});

/** Completes with a value Firestore cannot hold (a function inside an object). */
const unstorableResultTask = defineTask({
  type: 'test.unstorableResult',
  input: z.strictObject({}),
  // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
  async run() {
    return { callback: () => 1 };
  },
});

/** Completes with the idempotency keys its context hands it. */
const keysTask = defineTask({
  type: 'test.keys',
  input: z.strictObject({}),
  // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
  async run(_input, { idempotencyKey, attemptIdempotencyKey }) {
    return { idempotencyKey, attemptIdempotencyKey };
  },
});

/**
 * Ignores its abort signal: reports progress every 50 ms for `seconds`, far past its 1 s time limit, then
 * returns. Only the worker's time limit and grace end its job.
 */
const stubbornReporterTask = defineTask({
  type: 'test.stubbornReporter',
  input: z.strictObject({ seconds: z.number() }),
  timeoutSeconds: 1,
  async run({ seconds }, { progress }) {
    const until = Date.now() + seconds * 1000;
    for (let i = 1; Date.now() < until; i++) {
      progress(Math.min(99, i), `still going ${i}`);
      await delay(50);
    }
    return 'finished long after its job ended';
  },
});

const tasks = new TaskRegistry([bigResultTask, unstorableResultTask, keysTask, stubbornReporterTask]);

/** The emulator's repository, with terminal writes that keep failing with UNAVAILABLE (its retries ran out). */
function unavailableTerminalWrites(): JobRepository & { finishCalls: number } {
  const failing = {
    ...emulatorJobs(),
    finishCalls: 0,
    finish(): Promise<never> {
      failing.finishCalls += 1;
      return Promise.reject(Object.assign(new Error('14 UNAVAILABLE: injected'), { code: 14 }));
    },
  };
  return failing;
}

describe('worker: a done job’s outcome (emulator)', () => {
  const owner = `outcome-owner-${Date.now()}`;
  const deps = inProcessDeps({
    queue: new CapturingQueue(),
    tasks,
    timings: { ...DEFAULT_WORKER_TIMINGS, abortGraceMs: 200, progressIntervalMs: 100 },
  });

  async function runJob(type: string, input: Record<string, unknown>, jobs = deps.jobs): Promise<string> {
    const id = deps.jobs.newJobId();
    await createDispatchedJob(deps.jobs, id, owner, { type, input });
    await handleTaskMessage(deliveredMessage(id, type), { ...deps, jobs });
    return id;
  }

  it('leaves a job RUNNING with its lease when its COMPLETED write keeps failing transiently, for the sweep', async () => {
    const store = unavailableTerminalWrites();
    const id = await runJob('test.keys', {}, store);
    assert.equal(store.finishCalls, 1, 'no FAILED written in place of the result');
    const job = await readJob(id);
    assert.equal(job.state, 'RUNNING');
    assert.equal(job.done, false);
    assert.equal(job.error, undefined);
    const lease = job.leaseExpireTime?.toMillis();
    // The lease is what the sweep acts on once it lapses (recovery.emulator.test.ts covers that step).
    assert.ok(lease && lease > Date.now(), 'the claim keeps its lease');
  });

  it('ends a job FAILED with its own words, not Firestore’s, when the result is too large to store', async () => {
    const id = await runJob('test.bigResult', { bytes: 1_100_000 });
    const job = await readJob(id);
    assert.equal(job.state, 'FAILED');
    assert.equal(job.error?.code, 'internal');
    assert.match(job.error?.message ?? '', /result could not be stored: it is too large/);
    assert.doesNotMatch(job.error?.message ?? '', /INVALID_ARGUMENT|bytes|Error:/);
    assert.equal(job.result, undefined);
  });

  it('ends a job FAILED the same way when the result is not a value Firestore can hold', async () => {
    const id = await runJob('test.unstorableResult', {});
    const job = await readJob(id);
    assert.equal(job.state, 'FAILED');
    assert.match(job.error?.message ?? '', /result could not be stored/);
    assert.doesNotMatch(job.error?.message ?? '', /serialize|Function|Error:/);
  });

  it('writes nothing of an attempt after its job is FAILED, although the handler goes on reporting', async () => {
    const id = await runJob('test.stubbornReporter', { seconds: 5 });
    const ref = adminFirestore().collection('jobs').doc(id);
    const ended = await ref.get();
    assert.equal(ended.get('state'), 'FAILED');
    assert.equal(ended.get('error.code'), 'deadline-exceeded');
    // The handler still runs and calls progress() every 50 ms for the next seconds.
    await delay(3000);
    const later = await ref.get();
    assert.ok(later.updateTime?.isEqual(ended.updateTime ?? later.updateTime) && ended.updateTime, 'not written');
    assert.deepEqual(later.data(), ended.data(), 'the document is unchanged');
  });

  it('refuses a progress write of an attempt that has ended, with no write', async () => {
    const id = deps.jobs.newJobId();
    await createDispatchedJob(deps.jobs, id, owner, { type: 'test.keys', input: {} });
    const claim = await deps.jobs.claim(id, Date.now(), 60_000);
    assert.ok(claim.claimed);
    const at: AttemptRef = claim.attempt;
    const cancelled: JobOutcome = { state: 'CANCELLED', error: { code: 'cancelled', message: 'by test' } };
    assert.equal((await deps.jobs.finish(at, cancelled, Date.now(), 30)).written, true);
    const before = await adminFirestore().collection('jobs').doc(id).get();
    assert.deepEqual(await deps.jobs.writeProgress(at, { percent: 50 }), { written: false });
    const after = await adminFirestore().collection('jobs').doc(id).get();
    assert.ok(after.updateTime?.isEqual(before.updateTime ?? after.updateTime) && before.updateTime);
  });

  it('hands the handler the job’s idempotency key and the attempt’s', async () => {
    const id = await runJob('test.keys', {});
    const job = await readJob(id);
    assert.equal(job.state, 'COMPLETED');
    assert.deepEqual(job.result, { idempotencyKey: id, attemptIdempotencyKey: `${id}:1` });
  });
});
