/**
 * At-least-once delivery: Pub/Sub may deliver a task message more than once, late, or malformed. The claim
 * transaction makes the effect exactly-once: only the delivery that moves CREATED → RUNNING runs the handler
 * (so `attempts` counts handler runs), and nothing rewrites a done job.
 */
import assert from 'node:assert/strict';
import { PubSub } from '@google-cloud/pubsub';
import functionsTest from 'firebase-functions-test';
import { z } from 'zod';
import { runJob } from '../../functions/src/index';
import { handleTaskMessage } from '../../functions/src/entry/worker';
import { taskMessage, type ReceivedMessage } from '../../functions/src/adapters/pubsub/task-message';
import { defineTask } from '../../functions/src/core/tasks/task';
import { TaskRegistry } from '../../functions/src/core/tasks/task-registry';
import { adminFirestore, readJob } from '../helpers/admin';
import { userForSuite, type TestUser } from '../helpers/client';
import { emulatorHosts } from '../helpers/emulators';
import { deliveredMessage } from '../helpers/messages';
import { CapturingQueue, inProcessDeps } from '../helpers/in-process';
import { watchUntilDone } from '../helpers/watch-job';

describe('at-least-once delivery (emulator)', () => {
  const fft = functionsTest({ projectId: emulatorHosts().projectId });
  const wrappedRunJob = fft.wrap(runJob);
  let user: TestUser;
  userForSuite((u) => (user = u));

  after(() => {
    fft.cleanup();
  });

  describe('the worker handler, driven in-process with a counting task', () => {
    let handlerRuns = 0;
    let release: () => void = () => undefined;
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const countingTask = defineTask({
      type: 'test.count',
      input: z.strictObject({}),
      async run(): Promise<string> {
        handlerRuns += 1;
        // Hold the job RUNNING until the test has delivered its duplicates.
        const held = new Promise<void>((resolve) => (release = resolve));
        markStarted();
        await held;
        return 'counted';
      },
    });
    const deps = () => inProcessDeps({ tasks: new TaskRegistry([countingTask]), queue: new CapturingQueue() });

    it('runs the handler once for concurrent and late duplicates, and never rewrites the done job', async () => {
      const d = deps();
      const { jobs: store } = d;
      const id = store.newJobId();
      await store.create(id, user.uid ?? '', { type: 'test.count', input: {} }, 10);

      const first = handleTaskMessage(deliveredMessage(id, 'test.count', 'm1'), d);
      // Wait until the first delivery's handler is running (the claim is committed before the handler starts).
      await started;
      assert.equal((await readJob(id)).state, 'RUNNING');
      await Promise.all(['m2', 'm3', 'm4'].map((m) => handleTaskMessage(deliveredMessage(id, 'test.count', m), d)));
      release();
      await first;
      const done = await readJob(id);
      assert.equal(done.state, 'COMPLETED');
      assert.equal(done.result, 'counted');

      for (const m of ['m5', 'm6', 'm7']) await handleTaskMessage(deliveredMessage(id, 'test.count', m), d);

      const after = await readJob(id);
      assert.equal(handlerRuns, 1, 'the handler ran once for seven deliveries');
      assert.equal(after.attempts, 1);
      assert.ok(after.doneTime && done.doneTime && after.doneTime.isEqual(done.doneTime), 'doneTime unchanged');
      assert.ok(after.updateTime.isEqual(done.updateTime), 'nothing wrote the document again');
    });
  });

  describe('the deployed worker function', () => {
    it('ignores the same message three times more, through Pub/Sub and through the wrapped function', async () => {
      const created = await user.createJob({ type: 'sleep', input: { worktime: 0 } });
      const { final } = await watchUntilDone(user.firestore, created.id);
      assert.equal(final.attempts, 1);

      // Real redelivery through the Pub/Sub emulator (the worker in the Functions emulator gets these)...
      const topic = new PubSub({ projectId: emulatorHosts().projectId }).topic('jobs');
      await Promise.all([1, 2, 3].map(() => topic.publishMessage(taskMessage(created.id, 'sleep'))));
      // ...and the same message handed three times to the exported function, in-process, so the test knows
      // each delivery has finished before it looks.
      for (const n of [1, 2, 3]) {
        await wrappedRunJob({ data: { message: deliveredMessage(created.id, 'sleep', `dup-${n}`) } });
      }
      // A job created after the duplicates were published completes, so the worker served them (or will:
      // Pub/Sub does not order them; the wrapped deliveries above are the ones the test can wait for).
      const next = await user.createJob({ type: 'sleep', input: { worktime: 0 } });
      await watchUntilDone(user.firestore, next.id);

      const after = await readJob(created.id);
      assert.equal(after.state, 'COMPLETED');
      assert.equal(after.attempts, 1, 'claimed once: the handler ran once');
      assert.ok(after.doneTime?.toMillis() === final.doneTime?.toMillis(), 'doneTime unchanged');
      assert.equal(after.updateTime.toMillis(), final.updateTime.toMillis(), 'the done job was not written again');
    });

    it('acknowledges poison messages without throwing and keeps serving the next job', async () => {
      const jobsBefore = (await adminFirestore().collection('jobs').count().get()).data().count;
      const poison: ReceivedMessage[] = [
        { messageId: 'no-attribute', data: Buffer.from('{"jobId":"x"}').toString('base64'), attributes: {} },
        deliveredMessage('no-such-job-0000000000', 'sleep', 'unknown-id'),
        { messageId: 'garbage', data: Buffer.from('\u0000not json{').toString('base64'), attributes: { jobId: 'abc' } },
        { messageId: 'slash', data: '', attributes: { jobId: 'a/b' } },
      ];
      for (const message of poison) {
        // Returning normally is what makes Pub/Sub acknowledge: no retry storm, no crash loop.
        await wrappedRunJob({ data: { message } });
      }
      const topic = new PubSub({ projectId: emulatorHosts().projectId }).topic('jobs');
      await topic.publishMessage({ data: Buffer.from('garbage') });
      await topic.publishMessage({
        json: { jobId: 'no-such-job-1111111111' },
        attributes: { jobId: 'no-such-job-1111111111' },
      });

      const next = await user.createJob({ type: 'sleep', input: { worktime: 0 } });
      const { final } = await watchUntilDone(user.firestore, next.id);
      assert.equal(final.state, 'COMPLETED');
      const jobsAfter = (await adminFirestore().collection('jobs').count().get()).data().count;
      assert.equal(jobsAfter, jobsBefore + 1, 'poison messages created no job documents');
    });
  });
});
