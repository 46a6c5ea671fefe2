/**
 * A handler's steps on the Firestore emulator, through the worker run in this process: a step's result stored in
 * `jobs/{id}/steps/{name}` (its time a Timestamp, as clients read it) with the job's `steps`, and the attempt after a
 * transient failure returning the step done without running it. The rules' side (the owner reads the steps, nobody
 * writes them) is in test/rules/jobs.rules.test.ts.
 */
import assert from 'node:assert/strict';
import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { defineTask } from '../../library/src/core/tasks/task';
import { TaskError } from '../../library/src/core/tasks/task-error';
import { TaskRegistry } from '../../library/src/core/tasks/task-registry';
import { DEFAULT_WORKER_TIMINGS } from '../../library/src/core/worker/worker-timings';
import { handleTaskMessage } from '../../library/src/entry/worker';
import { adminFirestore, readJob } from '../helpers/admin';
import { CapturingQueue, inProcessDeps } from '../helpers/in-process';
import { deliveredMessage } from '../helpers/messages';
import { createDispatchedJob } from '../helpers/queued-jobs';

/** How many times each step's body ran, by job and step. */
const bodies = new Map<string, number>();
const ran = (jobId: string, step: string) => bodies.set(`${jobId}/${step}`, (bodies.get(`${jobId}/${step}`) ?? 0) + 1);

/** Two steps; the second fails for now on the first attempt. */
const twoStepsTask = defineTask({
  type: 'test.twoSteps',
  input: z.strictObject({}),
  retry: { initialBackoffMs: 10, maxBackoffMs: 10 },
  async run(_input, { step, attempt, jobId }) {
    const first = await step('first', () => {
      ran(jobId, 'first');
      return Promise.resolve({ attempt });
    });
    const second = await step('second', () => {
      ran(jobId, 'second');
      if (attempt === 1) throw new TaskError('unavailable', 'not yet', { transient: true });
      return Promise.resolve('done');
    });
    return { first, second };
  },
});

describe('worker: a job’s steps (emulator)', () => {
  const owner = `steps-owner-${Date.now()}`;
  const queue = new CapturingQueue();
  const deps = inProcessDeps({ queue, tasks: new TaskRegistry([twoStepsTask]), timings: DEFAULT_WORKER_TIMINGS });

  it('stores each step once and returns it on the next attempt without running it again', async () => {
    const { id, sent } = await createDispatchedJob(deps.access, owner, { type: 'test.twoSteps', input: {} });
    await handleTaskMessage(deliveredMessage(id, 'test.twoSteps', `m-${id}-1`, sent), deps);
    const retried = await readJob(id);
    assert.equal(retried.state, 'CREATED', 'the transient failure queued a retry');
    assert.deepEqual(retried.steps, ['first'], 'with the first step done');

    const again = queue.published.filter((message) => message.jobId === id).at(-1);
    assert.ok(again, 'the retry was published');
    await handleTaskMessage(deliveredMessage(id, 'test.twoSteps', `m-${id}-2`, again.sent), deps);

    const job = await readJob(id);
    assert.equal(job.state, 'COMPLETED');
    assert.equal(job.attempts, 2);
    assert.deepEqual(job.result, { first: { attempt: 1 }, second: 'done' }, "the first step's result, from attempt 1");
    assert.deepEqual(job.steps, ['first', 'second']);
    assert.equal(bodies.get(`${id}/first`), 1, 'the first step ran once');
    assert.equal(bodies.get(`${id}/second`), 2, 'the second ran on both attempts');

    const steps = await adminFirestore().collection(`jobs/${id}/steps`).get();
    const byName = new Map(steps.docs.map((doc) => [doc.id, doc.data()]));
    assert.deepEqual([...byName.keys()].sort(), ['first', 'second']);
    assert.deepEqual(byName.get('first')?.result, { attempt: 1 });
    assert.equal(byName.get('first')?.attempt, 1);
    assert.equal(byName.get('second')?.attempt, 2);
    assert.ok(byName.get('first')?.doneTime instanceof Timestamp, 'doneTime is a Timestamp, as clients read times');
  });
});
