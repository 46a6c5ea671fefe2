/**
 * The attempt protocol itself (core/protocol/claim.ts, attempt.ts, attempt-writes.ts, recovery.ts), called directly
 * on the in-memory document store in simulated time, where the worker tests see it only through runJob: the claim
 * fenced on the job as sent, and decided on a read when that fence fails; each write of an attempt fenced on the
 * attempt's last write, made for the current attempt only, and never after the attempt's end; an end that gives
 * back the job's slot in the same commit; a requeue that keeps it; and the sweep's recovery fenced on its read.
 *
 * Covers what the deleted JobRepository contract suite (test/contract/job-repository.contract.ts, "read and claim",
 * "attempt writes", "sweep") and job-store-retry.test.ts checked of these transitions, on the new protocol.
 */
import assert from 'node:assert/strict';
import type { SentJob } from '@async-jobs/contract';
import { z } from 'zod';
import { WORKER_LOST, type JobOutcome, type Millis } from '../../../library/src/core/job';
import {
  StoreError,
  type CommitResult,
  type DocumentStore,
  type Write,
} from '../../../library/src/core/ports/document-store';
import type { Attempt, AttemptWrite } from '../../../library/src/core/protocol/attempt';
import {
  finishAttempt,
  QUEUE_READ_FRESH_MS,
  requeueAttempt,
  writeHeartbeat,
  type EndOptions,
  type QueueAsRead,
} from '../../../library/src/core/protocol/attempt-writes';
import { claimJob, type ClaimOutcome } from '../../../library/src/core/protocol/claim';
import { recoverJob } from '../../../library/src/core/protocol/recovery';
import { jobAt } from '../../../library/src/core/protocol/job-record';
import type { StoreAccess } from '../../../library/src/core/store/store-access';
import { defineTask } from '../../../library/src/core/tasks/task';
import { isClaim, POOL, RETENTION_DAYS, workerSimulation, type WorkerSimulation } from './worker-simulation';

const LEASE_MS = 30_000;
const DURATIONS = { queueMillis: 0, runMillis: 1_000 };

describe('attempt protocol (simulated time)', () => {
  let sim: WorkerSimulation;

  beforeEach(() => {
    sim = workerSimulation(
      () => [defineTask({ type: 'test.noop', input: z.strictObject({}), run: () => Promise.resolve('done') })],
      { autoDeliver: false },
    );
  });

  /** Runs `work` while the clock runs (store backoffs wait on it); answers what it settled with. */
  async function settled<T>(work: Promise<T>): Promise<T> {
    const outcome = work.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    await sim.clock.runUntilIdle();
    const result = await outcome;
    if (!result.ok) throw result.error;
    return result.value;
  }

  const deadline = (): Millis => sim.clock.now() + 60_000;

  /** A job created and sent (it holds a slot); its id and the job as its message carries it. */
  async function sentJob(): Promise<{ id: string; sent: SentJob }> {
    const id = await sim.create('test.noop', {});
    const [message] = sim.queue.takeWaiting();
    assert.ok(message);
    return { id, sent: message.sent };
  }

  function claim(id: string, sent: SentJob | undefined, access: StoreAccess = sim.access): Promise<ClaimOutcome> {
    return settled(claimJob(access, id, 'test.noop', sent, LEASE_MS, RETENTION_DAYS, deadline()));
  }

  /** The attempt's end with `outcome`, at the pool's capacity, with this file's retention and durations. */
  function endAttempt(at: Attempt, outcome: JobOutcome, options?: EndOptions) {
    return finishAttempt(sim.access, at, outcome, RETENTION_DAYS, DURATIONS, sim.pool.capacity, deadline(), options);
  }

  /** A job claimed: its id and the attempt. */
  async function runningJob(): Promise<{ id: string; at: Attempt }> {
    const { id, sent } = await sentJob();
    const claimed = await claim(id, sent);
    assert.equal(claimed.kind, 'claimed');
    if (claimed.kind !== 'claimed') throw new Error('unreachable');
    return { id, at: claimed.attempt };
  }

  /** `sim.store` with its commits passed through `commit`. */
  function storeWith(commit: (writes: readonly Write[]) => Promise<CommitResult>): DocumentStore {
    const inner = sim.store;
    return {
      get: (path) => inner.get(path),
      getAll: (paths) => inner.getAll(paths),
      query: (query) => inner.query(query),
      count: (query) => inner.count(query),
      commit,
      watch: (path, onChange, onError) => inner.watch(path, onChange, onError),
      watchMatching: (path, where, onMatch, onError) => inner.watchMatching(path, where, onMatch, onError),
      newId: () => inner.newId(),
    };
  }

  describe('claim', () => {
    it('claims a sent job with one write fenced on the version it was sent at, and no read', async () => {
      const { id, sent } = await sentJob();
      const reads = sim.store.stats.reads;
      const claimed = await claim(id, sent);
      assert.equal(claimed.kind, 'claimed');
      if (claimed.kind !== 'claimed') return;
      assert.equal(sim.store.stats.reads, reads, 'no read');
      const job = sim.job(id);
      assert.equal(job.state, 'RUNNING');
      assert.equal(job.attempts, 1);
      assert.equal(job.claimId, claimed.attempt.claimId);
      assert.equal(job.leaseExpireTime, sim.clock.now() + LEASE_MS);
      assert.equal(job.startTime, sim.clock.now());
      assert.equal(claimed.attempt.version, sim.store.peek(sim.layout.job(id))?.version, 'fenced by its own write');
      assert.equal(claimed.attempt.slot, sent.slot);
    });

    it('claims a job as read when its message carries no snapshot', async () => {
      const { id } = await sentJob();
      const claimed = await claim(id, undefined);
      assert.equal(claimed.kind, 'claimed');
      assert.equal(sim.job(id).attempts, 1);
    });

    it('lets exactly one of ten concurrent claims of one message win', async () => {
      const { id, sent } = await sentJob();
      const claims = await settled(
        Promise.all(
          Array.from({ length: 10 }, () =>
            claimJob(sim.access, id, 'test.noop', sent, LEASE_MS, RETENTION_DAYS, deadline()),
          ),
        ),
      );
      assert.equal(claims.filter((outcome) => outcome.kind === 'claimed').length, 1);
      assert.deepEqual(
        claims.filter((outcome) => outcome.kind !== 'claimed'),
        Array.from({ length: 9 }, () => ({ kind: 'not-claimable', state: 'RUNNING' })),
      );
      assert.equal(sim.writesOf(id).filter(isClaim).length, 1);
    });

    it('knows its own claim when a retry of its applied commit fails the fence (failed-precondition)', async () => {
      // Firestore's client sends a commit again when its answer was lost; the resend fails its precondition on
      // the first send's own write.
      const { id, sent } = await sentJob();
      let resent = false;
      const store = storeWith(async (writes) => {
        if (!resent) {
          resent = true;
          await sim.store.commit(writes);
          throw new StoreError('failed-precondition', 'the update time does not match');
        }
        return sim.store.commit(writes);
      });
      const claimed = await claim(id, sent, { ...sim.access, store });
      assert.equal(claimed.kind, 'claimed');
      assert.equal(sim.writesOf(id).filter(isClaim).length, 1, 'claimed once');
      assert.equal(sim.job(id).attempts, 1);
    });

    it('answers not-found for a job that does not exist, and not-claimable for one running or done', async () => {
      assert.deepEqual(await claim('no-such-job', undefined), { kind: 'not-found' });
      const { id, at } = await runningJob();
      assert.deepEqual(await claim(id, undefined), { kind: 'not-claimable', state: 'RUNNING' });
      await settled(endAttempt(at, { state: 'COMPLETED', result: 1 }));
      assert.deepEqual(await claim(id, undefined), { kind: 'not-claimable', state: 'COMPLETED' });
    });

    it('refuses to claim a job still waiting for a slot, and writes nothing', async () => {
      sim.pool.capacity = 1;
      await sim.create('test.noop', {}, 'other');
      const id = await sim.create('test.noop', {});
      assert.equal(sim.job(id).waiting, true);
      const writes = sim.writesOf(id).length;
      assert.deepEqual(await claim(id, undefined), { kind: 'not-claimable', state: 'CREATED' });
      assert.equal(sim.writesOf(id).length, writes);
    });

    it('answers not-due for a retry whose backoff has not ended, with the job as read to claim later', async () => {
      const { id, at } = await runningJob();
      const dueAt = sim.clock.now() + 5_000;
      const requeued = await settled(
        requeueAttempt(sim.access, at, { code: 'unavailable', message: 'x' }, dueAt, RETENTION_DAYS, deadline()),
      );
      assert.ok(requeued.written && requeued.value.kind === 'requeued');
      const early = await claim(id, undefined);
      assert.equal(early.kind, 'not-due');
      assert.equal(early.kind === 'not-due' && early.dueAt, dueAt);
      await sim.clock.advanceTo(dueAt);
      const due = await claim(id, early.kind === 'not-due' ? early.sent : undefined);
      assert.equal(due.kind, 'claimed');
      assert.equal(sim.job(id).attempts, 2);
    });
  });

  describe('attempt writes', () => {
    it('writes a heartbeat with one fenced write, no read, and moves the fence and the lease to it', async () => {
      const { id, at } = await runningJob();
      await sim.clock.advance(10_000);
      const reads = sim.store.stats.reads;
      const lease = sim.clock.now() + LEASE_MS;
      const written = await settled(writeHeartbeat(sim.access, at, lease, { percent: 5 }, deadline()));
      assert.equal(written.written, true);
      assert.equal(sim.store.stats.reads, reads);
      assert.equal(at.version, sim.store.peek(sim.layout.job(id))?.version);
      assert.equal(at.leaseExpireTime, lease);
      assert.equal(sim.job(id).leaseExpireTime, lease);
      assert.deepEqual(sim.job(id).progress, { percent: 5 });
    });

    it('writes for the current attempt after someone else wrote the job, with one read to fence again', async () => {
      const { id, at } = await runningJob();
      await sim.cancel(id); // the owner's cancel request writes the job
      const reads = sim.store.stats.reads;
      const written = await settled(writeHeartbeat(sim.access, at, sim.clock.now() + LEASE_MS, undefined, deadline()));
      assert.equal(written.written, true);
      assert.equal(sim.store.stats.reads - reads, 1);
      assert.equal(at.cancelRequested, true, 'the read found the cancel request');
    });

    it('refuses every write of a superseded attempt (the sweep retried it, another worker claimed it)', async () => {
      const { id, at } = await runningJob();
      await sim.clock.advance(LEASE_MS + 1);
      const found = jobAt(sim.store.peek(sim.layout.job(id)) ?? assert.fail('the job'));
      const recovered = await settled(recoverJob(sim.access, found, () => 'retry', RETENTION_DAYS, deadline()));
      assert.equal(recovered?.action, 'retry');
      const again = await claim(id, recovered.sent);
      assert.equal(again.kind, 'claimed');
      const current = sim.job(id);
      const error = { code: 'internal' as const, message: 'stale' };
      const writes: Promise<AttemptWrite<unknown>>[] = [
        writeHeartbeat(sim.access, at, sim.clock.now() + LEASE_MS, { percent: 99 }, deadline()),
        requeueAttempt(sim.access, at, error, sim.clock.now(), RETENTION_DAYS, deadline()),
        endAttempt(at, { state: 'FAILED', error }),
      ];
      for (const write of writes) assert.deepEqual(await settled(write), { written: false, state: 'RUNNING' });
      assert.deepEqual(sim.job(id), current);
    });

    it('refuses a write of an attempt whose claim the job no longer holds, though the attempt number matches', async () => {
      const { id, at } = await runningJob();
      await sim.store.commit([{ op: 'update', path: sim.layout.job(id), data: { claimId: 'another claim' } }]);
      const before = sim.job(id);
      const written = await settled(
        writeHeartbeat(sim.access, at, sim.clock.now() + LEASE_MS, { percent: 5 }, deadline()),
      );
      assert.deepEqual(written, { written: false, state: 'RUNNING' });
      assert.deepEqual(sim.job(id), before);
    });

    it('completes: COMPLETED, done, the result and durations, no error left from a retry, no lease, the slot given back', async () => {
      const { id, at } = await runningJob();
      await sim.store.commit([
        { op: 'update', path: sim.layout.job(id), data: { error: { code: 'unavailable', message: 'earlier' } } },
      ]);
      await sim.clock.advance(1_000);
      const written = await settled(endAttempt(at, { state: 'COMPLETED', result: { n: 1 } }));
      assert.equal(written.written, true);
      assert.equal(at.ended, true);
      const job = sim.job(id);
      assert.equal(job.state, 'COMPLETED');
      assert.equal(job.done, true);
      assert.deepEqual(job.result, { n: 1 });
      assert.equal(job.error, undefined);
      assert.equal(job.leaseExpireTime, null);
      assert.equal(job.slot, null);
      assert.equal(job.doneTime, sim.clock.now());
      assert.equal(job.runMillis, DURATIONS.runMillis);
      assert.equal(job.expireTime, sim.clock.now() + RETENTION_DAYS * 24 * 60 * 60 * 1000);
      assert.deepEqual(sim.slotHolders(POOL), []);
      assert.equal(sim.store.writeTimes(sim.layout.slot(POOL, at.slot ?? -1)).at(-1), sim.clock.now(), 'in one commit');
    });

    describe('the queue read beside the claim', () => {
      /** A running job holding the pool's only slot, and a job waiting for it. */
      async function runningAndWaiting(): Promise<{ at: Attempt; waitingId: string }> {
        sim.pool.capacity = 1;
        const { at } = await runningJob();
        const waitingId = await sim.create('test.noop', {});
        assert.equal(sim.job(waitingId).waiting, true);
        return { at, waitingId };
      }

      async function queueAsRead(ids: string[], readAt: Millis): Promise<QueueAsRead> {
        const docs = await sim.store.getAll(ids.map((id) => sim.layout.job(id)));
        return { waiting: docs.flatMap((doc) => (doc ? [jobAt(doc)] : [])), readAt };
      }

      function finish(at: Attempt, read: QueueAsRead) {
        return settled(endAttempt(at, { state: 'COMPLETED', result: null }, { queueAsRead: read }));
      }

      it('hands the slot to the waiting job it shows, without a query of its own, while it is fresh', async () => {
        const { at, waitingId } = await runningAndWaiting();
        const read = await queueAsRead([waitingId], sim.clock.now());
        await sim.clock.advance(QUEUE_READ_FRESH_MS);
        const queries = sim.store.stats.queries;
        const written = await finish(at, read);
        assert.equal(written.written && written.value.kind === 'handed' && written.value.to.id, waitingId);
        assert.equal(sim.store.stats.queries, queries, 'no query');
        assert.equal(sim.job(waitingId).slot, at.slot);
      });

      it('gives the slot back without a query when it is fresh and showed nobody waiting', async () => {
        sim.pool.capacity = 1;
        const { at } = await runningJob();
        const queries = sim.store.stats.queries;
        const written = await finish(at, { waiting: [], readAt: sim.clock.now() });
        assert.equal(written.written && written.value.kind, 'freed');
        assert.equal(sim.store.stats.queries, queries, 'no query');
      });

      it('is not taken for the queue once older than QUEUE_READ_FRESH_MS: the end reads the queue itself', async () => {
        const { at, waitingId } = await runningAndWaiting();
        const read = { waiting: [], readAt: sim.clock.now() };
        await sim.clock.advance(QUEUE_READ_FRESH_MS + 1);
        const queries = sim.store.stats.queries;
        const written = await finish(at, read);
        assert.equal(written.written && written.value.kind === 'handed' && written.value.to.id, waitingId);
        assert.equal(sim.store.stats.queries, queries + 1);
      });

      it('is read again in a later round when the job it showed was taken meanwhile', async () => {
        const { at, waitingId } = await runningAndWaiting();
        const read = await queueAsRead([waitingId], sim.clock.now());
        const other = await sim.create('test.noop', {});
        await sim.cancel(waitingId);
        const written = await finish(at, read);
        assert.equal(written.written && written.value.kind === 'handed' && written.value.to.id, other);
      });
    });

    it('stores null for a handler that returned nothing', async () => {
      const { id, at } = await runningJob();
      await settled(endAttempt(at, { state: 'COMPLETED', result: undefined }));
      assert.equal(sim.job(id).result, null);
    });

    it('refuses every write of an attempt once its end is written, and writes nothing', async () => {
      const { id, at } = await runningJob();
      const error = { code: 'cancelled' as const, message: 'x' };
      await settled(endAttempt(at, { state: 'CANCELLED', error }));
      const ended = sim.job(id);
      const writes = sim.store.stats.commits;
      assert.deepEqual(await settled(writeHeartbeat(sim.access, at, sim.clock.now() + 1, { percent: 9 }, deadline())), {
        written: false,
      });
      assert.deepEqual(
        await settled(requeueAttempt(sim.access, at, error, sim.clock.now(), RETENTION_DAYS, deadline())),
        { written: false },
      );
      assert.equal(sim.store.stats.commits, writes);
      assert.deepEqual(sim.job(id), ended);
    });

    it('requeues: CREATED again with the error and its due time, no lease, its slot kept, the attempt ended', async () => {
      const { id, at } = await runningJob();
      const dueAt = sim.clock.now() + 7_000;
      const error = { code: 'unavailable' as const, message: 'x' };
      const written = await settled(requeueAttempt(sim.access, at, error, dueAt, RETENTION_DAYS, deadline()));
      assert.ok(written.written && written.value.kind === 'requeued');
      assert.equal(written.value.kind === 'requeued' && written.value.sent.dispatchTime, dueAt);
      assert.equal(at.ended, true);
      const job = sim.job(id);
      assert.equal(job.state, 'CREATED');
      assert.deepEqual(job.error, error);
      assert.equal(job.dispatchTime, dueAt);
      assert.equal(job.leaseExpireTime, null);
      assert.equal(job.waitReason, 'retry-backoff');
      assert.equal(job.slot, at.slot);
      assert.deepEqual(sim.slotHolders(), [id]);
    });

    it('does not take another writer’s end of the job for its own: the sweep failed it meanwhile', async () => {
      const { id, at } = await runningJob();
      await sim.clock.advance(LEASE_MS + 1);
      const found = jobAt(sim.store.peek(sim.layout.job(id)) ?? assert.fail('the job'));
      await settled(recoverJob(sim.access, found, () => 'fail', RETENTION_DAYS, deadline()));
      const error = { code: 'internal' as const, message: 'the worker’s own failure' };
      const written = await settled(endAttempt(at, { state: 'FAILED', error }));
      assert.deepEqual(written, { written: false, state: 'FAILED' });
      assert.deepEqual(sim.job(id).error, WORKER_LOST);
    });
  });

  describe('recovery', () => {
    it('republishes a sent job: a new dispatch time, the job it decided on, and its slot kept', async () => {
      const { id } = await sentJob();
      await sim.clock.advance(60_000);
      const found = jobAt(sim.store.peek(sim.layout.job(id)) ?? assert.fail('the job'));
      const recovered = await settled(recoverJob(sim.access, found, () => 'republish', RETENTION_DAYS, deadline()));
      assert.equal(recovered?.action, 'republish');
      assert.equal(recovered.sent?.dispatchTime, sim.clock.now());
      assert.equal(sim.job(id).dispatchTime, sim.clock.now());
      assert.deepEqual(sim.slotHolders(), [id]);
    });

    it('does nothing for none, and answers undefined for a job deleted meanwhile', async () => {
      const { id } = await sentJob();
      const found = jobAt(sim.store.peek(sim.layout.job(id)) ?? assert.fail('the job'));
      const before = sim.job(id);
      assert.equal(
        (await settled(recoverJob(sim.access, found, () => 'none', RETENTION_DAYS, deadline())))?.action,
        'none',
      );
      assert.deepEqual(sim.job(id), before);
      await sim.store.commit([{ op: 'delete', path: sim.layout.job(id) }]);
      assert.equal(await settled(recoverJob(sim.access, found, () => 'fail', RETENTION_DAYS, deadline())), undefined);
    });

    it('decides again on the job as it now stands when a worker wrote it first, and does what that calls for', async () => {
      const { id, at } = await runningJob();
      await sim.clock.advance(LEASE_MS + 1);
      const found = jobAt(sim.store.peek(sim.layout.job(id)) ?? assert.fail('the job'));
      await settled(endAttempt(at, { state: 'COMPLETED', result: 1 }));
      const decided: string[] = [];
      const recovered = await settled(
        recoverJob(
          sim.access,
          found,
          (job) => {
            decided.push(job.state);
            return job.done ? 'none' : 'retry';
          },
          RETENTION_DAYS,
          deadline(),
        ),
      );
      assert.deepEqual(decided, ['RUNNING', 'COMPLETED']);
      assert.equal(recovered?.action, 'none');
      assert.equal(sim.job(id).state, 'COMPLETED');
    });
  });
});
