/**
 * At-least-once delivery: Pub/Sub may deliver a task message more than once, late, or malformed. The claim makes
 * the effect exactly-once: only the delivery that moves CREATED → RUNNING runs the handler (so `attempts` counts
 * handler runs), and nothing rewrites a done job. A message carries the job as it was sent, and its claim is one
 * write fenced on that version: a duplicate fails the fence, reads the job and finds it running or done.
 */
import assert from 'node:assert/strict';
import { PubSub } from '@google-cloud/pubsub';
import functionsTest from 'firebase-functions-test';
import { z } from 'zod';
import { runJob } from '../../functions/src/index';
import { handleTaskMessage } from '../../library/src/entry/worker';
import { taskMessage, type ReceivedMessage } from '../../library/src/adapters/pubsub/task-message';
import { defineTask } from '../../library/src/core/tasks/task';
import { TaskRegistry } from '../../library/src/core/tasks/task-registry';
import { adminFirestore, readJob } from '../helpers/admin';
import { userForSuite, type TestUser } from '../helpers/client';
import { emulatorHosts } from '../helpers/emulators';
import { FunctionLogs, type FunctionLogEntry } from '../helpers/function-logs';
import { deliveredMessage } from '../helpers/messages';
import { CapturingQueue, inProcessDeps } from '../helpers/in-process';
import { createDispatchedJob } from '../helpers/queued-jobs';
import { watchUntilDone } from '../helpers/watch-job';

/** The worker's log messages read here (library/src/adapters/logging/cloud-logging.ts writes them). */
const JOB_RUNNING = 'job running';
const DUPLICATE_IGNORED = 'ignored a repeated task message: the job is not queued';
const POISON_IGNORED = 'ignored a task message that cannot name a job';
const MISSING_JOB_IGNORED = 'ignored a task message for a job that does not exist';

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
      const { id, sent } = await createDispatchedJob(d.access, user.uid ?? '', { type: 'test.count', input: {} });
      // Each duplicate is the same message again (the job as sent: its claim is fenced on that version), except one
      // of each group, which only names the job (an older publisher's message: the worker reads the job first).
      const delivery = (m: string, withSent = true) =>
        handleTaskMessage(deliveredMessage(id, 'test.count', m, withSent ? sent : undefined), d);

      const first = delivery('m1');
      // Wait until the first delivery's handler is running (the claim is committed before the handler starts).
      await started;
      assert.equal((await readJob(id)).state, 'RUNNING');
      await Promise.all([delivery('m2'), delivery('m3'), delivery('m4', false)]);
      release();
      await first;
      const done = await readJob(id);
      assert.equal(done.state, 'COMPLETED');
      assert.equal(done.result, 'counted');

      await delivery('m5');
      await delivery('m6', false);
      await delivery('m7');

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

      // Real redelivery through the Pub/Sub emulator: the worker in the Functions emulator gets each message and
      // logs the ones it ignores with their message id, which the Logging emulator streams to the test.
      const logs = await FunctionLogs.open();
      try {
        const about = (entry: FunctionLogEntry) => entry.jobId === created.id;
        await logs.waitFor(`'${JOB_RUNNING}' for job ${created.id}`, (e) => about(e) && e.message === JOB_RUNNING, {
          related: about,
        });
        const topic = new PubSub({ projectId: emulatorHosts().projectId }).topic('jobs');
        const messageIds = await Promise.all(
          [1, 2, 3].map(() => topic.publishMessage(taskMessage(created.id, 'sleep'))),
        );
        assert.equal(new Set(messageIds).size, 3, `three messages: ${messageIds.join(', ')}`);
        for (const messageId of messageIds) {
          const { functionName, entry } = await logs.waitFor(
            `'${DUPLICATE_IGNORED}' for message ${messageId}`,
            (e) => e.message === DUPLICATE_IGNORED && e.messageId === messageId,
            { related: about },
          );
          assert.equal(functionName, 'us-central1-runJob');
          assert.equal(entry.jobId, created.id);
          assert.equal(entry.state, 'COMPLETED', 'the worker read the job done and left it');
        }
        // The first delivery's run is the job's only one: no redelivery started the handler again.
        const runs = logs.matching((e) => about(e) && e.message === JOB_RUNNING);
        assert.equal(runs.length, 1, runs.map(({ entry }) => JSON.stringify(entry)).join('\n'));
      } finally {
        logs.close();
      }

      // ...and the same message handed three times to the exported function, in-process.
      for (const n of [1, 2, 3]) {
        await wrappedRunJob({ data: { message: deliveredMessage(created.id, 'sleep', `dup-${n}`) } });
      }

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

      // The same through the Pub/Sub emulator to the deployed worker, which logs each message it ignores.
      const logs = await FunctionLogs.open();
      try {
        const topic = new PubSub({ projectId: emulatorHosts().projectId }).topic('jobs');
        const garbageId = await topic.publishMessage({ data: Buffer.from('garbage') });
        const missingJob = 'no-such-job-1111111111';
        const missingId = await topic.publishMessage({
          json: { jobId: missingJob },
          attributes: { jobId: missingJob },
        });
        const ignored = (messageId: string) => (e: FunctionLogEntry) => e.messageId === messageId;
        const garbage = await logs.waitFor(`an entry for message ${garbageId}`, ignored(garbageId));
        assert.deepEqual(
          { message: garbage.entry.message, reason: garbage.entry.reason, severity: garbage.entry.severity },
          { message: POISON_IGNORED, reason: 'no "jobId" attribute', severity: 'WARNING' },
        );
        const missing = await logs.waitFor(`an entry for message ${missingId}`, ignored(missingId));
        assert.deepEqual(
          { message: missing.entry.message, jobId: missing.entry.jobId, severity: missing.entry.severity },
          { message: MISSING_JOB_IGNORED, jobId: missingJob, severity: 'WARNING' },
        );
        assert.equal((await adminFirestore().collection('jobs').doc(missingJob).get()).exists, false);
      } finally {
        logs.close();
      }

      const next = await user.createJob({ type: 'sleep', input: { worktime: 0 } });
      const { final } = await watchUntilDone(user.firestore, next.id);
      assert.equal(final.state, 'COMPLETED');
      const jobsAfter = (await adminFirestore().collection('jobs').count().get()).data().count;
      assert.equal(jobsAfter, jobsBefore + 1, 'poison messages created no job documents');
    });
  });
});
