/**
 * A done job's outcome is sacred: the worker never throws away a result because one commit failed for now, never
 * stores Firestore's own error text for the owner to read, and nothing of an attempt writes the job after its
 * end. The worker runs in this process on the emulators, with tasks this file defines.
 *
 * Since the job protocol moved into the core (core/protocol), the core retries a transient store failure itself,
 * on its clock, until a deadline: the end that keeps failing is counted as every try the worker made of it (all
 * of them the COMPLETED end), no longer as one call to a repository that retried inside. An attempt that ended is
 * refused by its fence (a heartbeat in flight) or by the attempt itself (the one that wrote the end).
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { config } from '../../library/src/config';
import type { JobOutcome } from '../../library/src/core/job';
import type { Attempt } from '../../library/src/core/protocol/attempt';
import { finishAttempt, writeHeartbeat } from '../../library/src/core/protocol/attempt-writes';
import { claimJob } from '../../library/src/core/protocol/claim';
import { deadlineAfter } from '../../library/src/core/store/store-access';
import { DEFAULT_WORKER_TIMINGS } from '../../library/src/core/worker/worker-timings';
import { handleTaskMessage } from '../../library/src/entry/worker';
import { TaskRegistry } from '../../library/src/core/tasks/task-registry';
import { defineTask } from '../../library/src/core/tasks/task';
import { FaultyDocumentStore, type CallDescription } from '../../library/src/testing';
import { adminFirestore, readJob } from '../helpers/admin';
import { CapturingQueue, emulatorAccess, emulatorStore, inProcessDeps } from '../helpers/in-process';
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

/**
 * Completes with a value Firestore cannot hold (a function inside an object). Typed `unknown`, as a JavaScript app's
 * would be: defineTask refuses it at compile time (StorableResult), and this is the worker's check at run time.
 */
const unstorableResultTask = defineTask({
  type: 'test.unstorableResult',
  input: z.strictObject({}),
  // eslint-disable-next-line @typescript-eslint/require-await -- a handler is async by contract
  async run(): Promise<unknown> {
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

const TERMINAL_STATES: ReadonlySet<unknown> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** The state a commit ends the job at `path` with (it updates the job to a terminal state), if it does. */
function endStateOf(call: CallDescription, path: string): unknown {
  const end = (call.writes ?? []).find(
    (write) => write.op === 'update' && write.path === path && TERMINAL_STATES.has(write.data.state),
  );
  return end?.op === 'update' ? end.data.state : undefined;
}

describe('worker: a done job’s outcome (emulator)', () => {
  const owner = `outcome-owner-${Date.now()}`;
  const deps = inProcessDeps({
    queue: new CapturingQueue(),
    tasks,
    timings: { ...DEFAULT_WORKER_TIMINGS, abortGraceMs: 200, progressIntervalMs: 100 },
  });

  /** Makes a job holding a slot and delivers its message to the worker, run here. */
  async function runJob(type: string, input: Record<string, unknown>): Promise<string> {
    const { id, sent } = await createDispatchedJob(deps.access, owner, { type, input });
    await handleTaskMessage(deliveredMessage(id, type, `m-${id}`, sent), deps);
    return id;
  }

  it('leaves a job RUNNING with its lease when its COMPLETED write keeps failing transiently, for the sweep', async () => {
    // Every commit that would end the job fails with UNAVAILABLE, as a store that is down would: the worker tries
    // again until shortly before its own time limit (here a few seconds: a 13 s invocation less its 10 s margin).
    const store = new FaultyDocumentStore(emulatorStore());
    const { id, sent } = await createDispatchedJob(deps.access, owner, { type: 'test.keys', input: {} });
    const endsTried: unknown[] = [];
    store.fail({
      call: 'commit',
      fault: 'transient',
      times: Number.POSITIVE_INFINITY,
      where: (call) => {
        const state = endStateOf(call, `jobs/${id}`);
        if (state !== undefined) endsTried.push(state);
        return state !== undefined;
      },
    });
    await handleTaskMessage(deliveredMessage(id, 'test.keys', `m-${id}`, sent), {
      ...deps,
      access: emulatorAccess(config.jobsCollection, store),
      invocationTimeoutMs: 13_000,
    });
    assert.ok(endsTried.length >= 1, 'the end was tried');
    // No FAILED written in place of the result: every try of the end was the COMPLETED one, refused for now.
    assert.deepEqual(new Set(endsTried), new Set(['COMPLETED']), `ends tried: ${endsTried.join(', ')}`);
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
    const { access } = deps;
    const { id, sent } = await createDispatchedJob(access, owner, { type: 'test.keys', input: {} });
    const deadline = () => deadlineAfter(access);
    const claim = await claimJob(access, id, 'test.keys', sent, 60_000, 30, deadline());
    assert.equal(claim.kind, 'claimed');
    const at: Attempt = claim.attempt;
    // The attempt as a heartbeat in flight holds it while the end is written: fenced on the version before the end.
    const inFlight: Attempt = { ...at };
    const cancelled: JobOutcome = { state: 'CANCELLED', error: { code: 'cancelled', message: 'by test' } };
    const durations = { queueMillis: 0, runMillis: 0 };
    assert.equal((await finishAttempt(access, at, cancelled, 30, durations, 1, deadline())).written, true);
    const before = await adminFirestore().collection('jobs').doc(id).get();
    // Its fence fails on the end, and the job read again is no longer this attempt's.
    assert.deepEqual(await writeHeartbeat(access, inFlight, Date.now() + 60_000, { percent: 50 }, deadline()), {
      written: false,
      state: 'CANCELLED',
    });
    // The attempt that wrote the end writes nothing more.
    assert.deepEqual(await writeHeartbeat(access, at, Date.now() + 60_000, { percent: 60 }, deadline()), {
      written: false,
    });
    const after = await adminFirestore().collection('jobs').doc(id).get();
    assert.ok(after.updateTime?.isEqual(before.updateTime ?? after.updateTime) && before.updateTime);
    assert.equal(after.get('progress'), undefined);
  });

  it('hands the handler the job’s idempotency key and the attempt’s', async () => {
    const id = await runJob('test.keys', {});
    const job = await readJob(id);
    assert.equal(job.state, 'COMPLETED');
    assert.deepEqual(job.result, { idempotencyKey: id, attemptIdempotencyKey: `${id}:1` });
  });
});
