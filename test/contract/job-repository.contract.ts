/**
 * The JobRepository contract: one suite of what every adapter of the port must do, run on each of them (the
 * in-memory repository in test/unit, the Firestore adapter on the emulator in test/emulator), so the fake the core
 * tests and the simulation run on cannot drift from the real thing. It asserts only what every adapter guarantees:
 * server times are numbers in an order, never particular values, since Firestore's are the server's own.
 *
 * Claims and attempt writes are fenced single writes, not transactions, so several tests race them on purpose.
 */
import assert from 'node:assert/strict';
import type { JobError } from '@async-jobs/contract';
import { CANCELLED_BY_OWNER, expireTimeFor, WORKER_LOST, type Job } from '../../library/src/core/job';
import { isJobId } from '../../library/src/core/job-id';
import type { AttemptRef, JobRepository } from '../../library/src/core/ports/job-repository';
import { decideRecovery, type RecoveryAction } from '../../library/src/core/recovery';
import { DEFAULT_RETRY_POLICY } from '../../library/src/core/retry-policy';
import {
  admission,
  contractJobs,
  LEASE_MS,
  newPool,
  RETENTION_DAYS,
  SLEEP_REQUEST,
  type JobRepositoryContractTarget,
  type JobRepositorySubject,
} from './contract-subject';
import { fairSchedulingContract } from './fair-scheduling.contract';

export type { JobRepositoryContractTarget, JobRepositorySubject } from './contract-subject';

/** How long a test waits for a listener before it fails (real time: Firestore's listeners are). */
const WATCH_DEADLINE_MS = 10_000;

/**
 * Distinct times long past (in 2001), each earlier than the one before: a job sent back to such a time is older
 * than any other in a shared database, so the sweep's queries find it first.
 */
let pastOffset = 0;
function longAgo(): number {
  pastOffset += 10_000;
  return Date.UTC(2001, 0, 1) - pastOffset;
}

/** The changes a watch delivered, and a way to wait for one. */
interface WatchRecording {
  seen: (Job | undefined)[];
  /** Whether a callback came before `watch` returned. */
  calledBeforeReturn: boolean;
  until(predicate: (job: Job | undefined) => boolean, what: string): Promise<Job | undefined>;
  stop(): void;
}

function recordWatch(jobs: JobRepository, id: string): WatchRecording {
  type Waiter = {
    predicate: (job: Job | undefined) => boolean;
    resolve: (job: Job | undefined) => void;
    reject: (e: Error) => void;
  };
  let waiters: Waiter[] = [];
  let returned = false;
  let failure: Error | undefined;
  const recording: WatchRecording = {
    seen: [],
    calledBeforeReturn: false,
    until(predicate, what) {
      const index = recording.seen.findIndex(predicate);
      if (index >= 0) return Promise.resolve(recording.seen[index]);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`watch: no ${what} after ${WATCH_DEADLINE_MS} ms`)),
          WATCH_DEADLINE_MS,
        );
        const settle = () => clearTimeout(timer);
        waiters.push({
          predicate,
          resolve: (job) => {
            settle();
            resolve(job);
          },
          reject: (e) => {
            settle();
            reject(e);
          },
        });
      });
    },
    stop: () => unsubscribe(),
  };
  const unsubscribe = jobs.watch(
    id,
    (job) => {
      if (!returned) recording.calledBeforeReturn = true;
      recording.seen.push(job);
      const matched = waiters.filter((waiter) => waiter.predicate(job));
      waiters = waiters.filter((waiter) => !matched.includes(waiter));
      for (const waiter of matched) waiter.resolve(job);
    },
    (e) => {
      failure = e;
      for (const waiter of waiters.splice(0)) waiter.reject(e);
    },
  );
  returned = true;
  return recording;
}

/** Defines the contract's tests for the adapter `name`. */
export function jobRepositoryContract(name: string, target: JobRepositoryContractTarget): void {
  describe(`JobRepository contract: ${name}`, () => {
    let subject: JobRepositorySubject;
    let jobs: JobRepository;

    beforeEach(async () => {
      subject = await target.setUp();
      jobs = subject.repository;
    });

    const made = () => contractJobs(subject);
    const stored = (id: string) => made().stored(id);
    const queuedJob = (owner?: string, pool?: string, limit?: number) => made().queuedJob(owner, pool, limit);
    const dispatchedJob = (owner?: string) => made().dispatchedJob(owner);
    const runningJob = (owner?: string, now?: number, leaseMs?: number) => made().runningJob(owner, now, leaseMs);

    describe('create and get', () => {
      it('creates a CREATED job with its owner, type and input, waiting in its pool, and get reads it back', async () => {
        const owner = subject.newOwner();
        const id = jobs.newJobId();
        const input = { worktime: 3 };
        const pool = newPool();
        assert.deepEqual(await jobs.create(id, owner, { type: 'sleep', input }, admission(10, pool)), {
          kind: 'created',
        });
        const job = await jobs.get(id);
        assert.ok(job);
        assert.equal(job.owner, owner);
        assert.equal(job.type, 'sleep');
        assert.deepEqual(job.input, input);
        assert.equal(job.state, 'CREATED');
        assert.equal(job.done, false);
        assert.equal(job.attempts, 0);
        assert.equal(job.requestId, undefined);
        assert.equal(job.startTime, null);
        assert.equal(job.doneTime, null);
        assert.equal(typeof job.createTime, 'number');
        assert.equal(job.updateTime, job.createTime, 'created and last written by one commit');
        assert.equal(job.pool, pool);
        assert.equal(typeof job.rank, 'number');
        assert.equal(job.waiting, true, 'it waits for a worker slot');
        assert.equal(job.waitReason, 'capacity');
        assert.equal(job.slot, null);
        assert.equal(job.dispatchTime, null, 'not sent to a worker yet');
        assert.ok(Number.isInteger(job.admissionShard) && (job.admissionShard ?? -1) >= 0, 'counted in a shard');
        assert.deepEqual(await stored(id), job);
      });

      it('keeps the requestId of a job made with one', async () => {
        const id = jobs.newJobId();
        const requestId = crypto.randomUUID();
        await jobs.create(id, subject.newOwner(), { ...SLEEP_REQUEST, requestId }, admission(10));
        assert.equal((await stored(id)).requestId, requestId);
      });

      it('answers undefined for a job that does not exist', async () => {
        assert.equal(await jobs.get(jobs.newJobId()), undefined);
      });

      it('gives new job ids that differ and can name a job', () => {
        const ids = Array.from({ length: 50 }, () => jobs.newJobId());
        assert.equal(new Set(ids).size, ids.length);
        assert.ok(ids.every(isJobId));
      });

      it('stores a copy: changing the request or a job read back changes nothing stored', async () => {
        const id = jobs.newJobId();
        const input: Record<string, unknown> = { worktime: 2, nested: { list: [1, 2] } };
        await jobs.create(id, subject.newOwner(), { type: 'sleep', input }, admission(10));
        input.worktime = 99;
        (input.nested as { list: number[] }).list.push(3);
        const read = await jobs.get(id);
        assert.ok(read);
        read.state = 'FAILED';
        read.input.worktime = 7;
        const job = await stored(id);
        assert.equal(job.state, 'CREATED');
        assert.deepEqual(job.input, { worktime: 2, nested: { list: [1, 2] } });
      });
    });

    describe('quota', () => {
      it('refuses a job past the quota of jobs not done, counting the owner’s own jobs not done only', async () => {
        const owner = subject.newOwner();
        const done = await queuedJob(owner, newPool(), 2);
        assert.equal((await jobs.cancel(done, owner, subject.now(), RETENTION_DAYS)).kind, 'cancelled');
        await queuedJob(subject.newOwner(), newPool(), 2); // another owner's job
        for (let n = 0; n < 2; n++) await queuedJob(owner, newPool(), 2);
        const refused = jobs.newJobId();
        assert.deepEqual(await jobs.create(refused, owner, SLEEP_REQUEST, admission(2)), {
          kind: 'quota-exceeded',
          active: 2,
        });
        assert.equal(await subject.readJob(refused), undefined, 'nothing written');
      });

      it('lets the owner create again once a job is done', async () => {
        const owner = subject.newOwner();
        const first = await queuedJob(owner, newPool(), 1);
        assert.equal((await jobs.create(jobs.newJobId(), owner, SLEEP_REQUEST, admission(1))).kind, 'quota-exceeded');
        await jobs.cancel(first, owner, subject.now(), RETENTION_DAYS);
        assert.deepEqual(await jobs.create(jobs.newJobId(), owner, SLEEP_REQUEST, admission(1)), { kind: 'created' });
      });
    });

    describe('requestId (AIP-155)', () => {
      it('answers a repeated request with the job it made, even when the owner is at the quota', async () => {
        const owner = subject.newOwner();
        const id = jobs.newJobId();
        const request = { ...SLEEP_REQUEST, requestId: crypto.randomUUID() };
        assert.deepEqual(await jobs.create(id, owner, request, admission(1)), { kind: 'created' });
        const repeat = await jobs.create(id, owner, request, admission(1));
        assert.equal(repeat.kind, 'existing');
        assert.deepEqual(repeat.kind === 'existing' && repeat.job, await stored(id));
      });

      it('takes the same input with its keys in another order for the same request', async () => {
        const owner = subject.newOwner();
        const id = jobs.newJobId();
        const requestId = crypto.randomUUID();
        await jobs.create(id, owner, { type: 'sleep', input: { a: 1, b: { c: 2, d: 3 } }, requestId }, admission(10));
        const repeat = await jobs.create(
          id,
          owner,
          { type: 'sleep', input: { b: { d: 3, c: 2 }, a: 1 }, requestId },
          admission(10),
        );
        assert.equal(repeat.kind, 'existing');
      });

      it('answers the same requestId for a different request with request-mismatch, and changes nothing', async () => {
        const owner = subject.newOwner();
        const id = jobs.newJobId();
        const requestId = crypto.randomUUID();
        await jobs.create(id, owner, { type: 'sleep', input: { worktime: 1 }, requestId }, admission(10));
        const before = await stored(id);
        const other = { type: 'sleep', input: { worktime: 2 }, requestId };
        assert.deepEqual(await jobs.create(id, owner, other, admission(10)), { kind: 'request-mismatch' });
        const otherType = { type: 'primes', input: { worktime: 1 }, requestId };
        assert.deepEqual(await jobs.create(id, owner, otherType, admission(10)), { kind: 'request-mismatch' });
        assert.deepEqual(await stored(id), before);
      });

      it('makes one job of racing repeats of one request', async () => {
        const owner = subject.newOwner();
        const id = jobs.newJobId();
        const request = { ...SLEEP_REQUEST, requestId: crypto.randomUUID() };
        const pool = newPool();
        const results = await Promise.all(
          Array.from({ length: 5 }, () => jobs.create(id, owner, request, admission(10, pool))),
        );
        assert.equal(results.filter((r) => r.kind === 'created').length, 1, 'one created it');
        assert.ok(results.every((r) => r.kind === 'created' || r.kind === 'existing'));
        const job = await stored(id);
        assert.equal(job.state, 'CREATED');
        assert.equal(job.attempts, 0);
      });
    });

    describe('cancel', () => {
      it('cancels a CREATED job at once: CANCELLED, done, with the owner’s error and an expireTime', async () => {
        const owner = subject.newOwner();
        const id = await queuedJob(owner);
        const now = subject.now();
        const result = await jobs.cancel(id, owner, now, RETENTION_DAYS);
        assert.equal(result.kind, 'cancelled');
        assert.equal(result.kind === 'cancelled' && result.job.owner, owner);
        assert.equal(result.kind === 'cancelled' && result.job.type, 'sleep');
        const job = await stored(id);
        assert.equal(job.state, 'CANCELLED');
        assert.equal(job.done, true);
        assert.deepEqual(job.error, CANCELLED_BY_OWNER);
        assert.equal(typeof job.doneTime, 'number');
        assert.ok(job.updateTime >= job.createTime);
        assert.equal(job.expireTime, expireTimeFor(now, RETENTION_DAYS));
        assert.equal(job.leaseExpireTime, null);
      });

      it('asks a RUNNING job to stop: cancelRequested, still RUNNING; asking again writes nothing', async () => {
        const { id, owner } = await runningJob();
        const first = await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS);
        assert.equal(first.kind, 'cancel-requested');
        const job = await stored(id);
        assert.equal(job.state, 'RUNNING');
        assert.equal(job.cancelRequested, true);
        assert.equal(job.done, false);
        const version = (await jobs.read(id)).version;
        assert.equal((await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS)).kind, 'cancel-requested');
        assert.deepEqual((await jobs.read(id)).version, version, 'not written again');
      });

      it('refuses to cancel a done job, answering its state', async () => {
        const owner = subject.newOwner();
        const id = await queuedJob(owner);
        await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS);
        assert.deepEqual(await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS), {
          kind: 'already-done',
          state: 'CANCELLED',
        });
        const completed = await runningJob(owner);
        await jobs.finish(completed.at, { state: 'COMPLETED', result: 1 }, subject.now(), RETENTION_DAYS);
        assert.deepEqual(await jobs.cancel(completed.id, owner, subject.now(), RETENTION_DAYS), {
          kind: 'already-done',
          state: 'COMPLETED',
        });
      });

      it('answers another owner’s job exactly like a missing one, not-found, and changes nothing', async () => {
        const id = await queuedJob();
        const before = await stored(id);
        assert.deepEqual(await jobs.cancel(id, subject.newOwner(), subject.now(), RETENTION_DAYS), {
          kind: 'not-found',
        });
        assert.deepEqual(await jobs.cancel(jobs.newJobId(), subject.newOwner(), subject.now(), RETENTION_DAYS), {
          kind: 'not-found',
        });
        assert.deepEqual(await stored(id), before);
      });
    });

    describe('deleteIfDone', () => {
      it('deletes the owner’s done job', async () => {
        const owner = subject.newOwner();
        const id = await queuedJob(owner);
        await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS);
        assert.deepEqual(await jobs.deleteIfDone(id, owner), { kind: 'deleted' });
        assert.equal(await jobs.get(id), undefined);
        assert.equal(await subject.readJob(id), undefined);
      });

      it('keeps a job not done, answering its state', async () => {
        const owner = subject.newOwner();
        const queued = await queuedJob(owner);
        assert.deepEqual(await jobs.deleteIfDone(queued, owner), { kind: 'not-done', state: 'CREATED' });
        const { id: running } = await runningJob(owner);
        assert.deepEqual(await jobs.deleteIfDone(running, owner), { kind: 'not-done', state: 'RUNNING' });
        assert.ok(await subject.readJob(queued));
        assert.ok(await subject.readJob(running));
      });

      it('answers another owner’s done job and a missing job alike, not-found, and deletes nothing', async () => {
        const owner = subject.newOwner();
        const id = await queuedJob(owner);
        await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS);
        assert.deepEqual(await jobs.deleteIfDone(id, subject.newOwner()), { kind: 'not-found' });
        assert.deepEqual(await jobs.deleteIfDone(jobs.newJobId(), owner), { kind: 'not-found' });
        assert.ok(await subject.readJob(id));
      });
    });

    describe('listByOwner', () => {
      it('lists the owner’s jobs only, newest first (create time, then id), in pages joined by a cursor', async () => {
        const owner = subject.newOwner();
        const mine = new Set<string>();
        for (let n = 0; n < 5; n++) mine.add(await queuedJob(owner));
        await queuedJob(); // another owner's
        const pages = [];
        let page = await jobs.listByOwner(owner, 2);
        pages.push(page);
        while (page.next) {
          page = await jobs.listByOwner(owner, 2, page.next);
          pages.push(page);
        }
        assert.deepEqual(
          pages.map((p) => p.jobs.length),
          [2, 2, 1],
        );
        const listed = pages.flatMap((p) => p.jobs);
        assert.deepEqual(new Set(listed.map((j) => j.id)), mine, 'every job once, no other owner’s');
        assert.ok(listed.every(({ job }) => job.owner === owner && job.state === 'CREATED'));
        for (let i = 1; i < listed.length; i++) {
          const [a, b] = [listed[i - 1], listed[i]];
          const newer = a.job.createTime > b.job.createTime || (a.job.createTime === b.job.createTime && a.id > b.id);
          assert.ok(newer, `${a.id} is listed before ${b.id}`);
        }
        for (const p of pages.slice(0, -1)) {
          const last = p.jobs.at(-1);
          assert.equal(p.next?.id, last?.id, 'the cursor is the last job of its page');
        }
      });

      it('gives no cursor after the last page, even a full one, and an empty page for an owner with no jobs', async () => {
        const owner = subject.newOwner();
        for (let n = 0; n < 3; n++) await queuedJob(owner);
        const all = await jobs.listByOwner(owner, 3);
        assert.equal(all.jobs.length, 3);
        assert.equal(all.next, undefined);
        const first = await jobs.listByOwner(owner, 2);
        assert.ok(first.next);
        const rest = await jobs.listByOwner(owner, 2, first.next);
        assert.deepEqual(
          rest.jobs.map((j) => j.id),
          all.jobs.slice(2).map((j) => j.id),
        );
        assert.equal(rest.next, undefined);
        assert.deepEqual(await jobs.listByOwner(subject.newOwner(), 10), { jobs: [] });
      });
    });

    describe('watch', () => {
      it('sends the job as it is, never before watch returns, then every change until it is deleted', async () => {
        const owner = subject.newOwner();
        const id = await queuedJob(owner);
        const watch = recordWatch(jobs, id);
        try {
          await watch.until((job) => job?.state === 'CREATED', 'CREATED job');
          assert.equal(watch.calledBeforeReturn, false);
          assert.equal(watch.seen[0]?.state, 'CREATED', 'the job as it is comes first');
          await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS);
          const cancelled = await watch.until((job) => job?.state === 'CANCELLED', 'CANCELLED job');
          assert.deepEqual(cancelled?.error, CANCELLED_BY_OWNER);
          await jobs.deleteIfDone(id, owner);
          await watch.until((job) => job === undefined, 'deletion');
        } finally {
          watch.stop();
        }
      });

      it('sends undefined first for a job that does not exist, never before watch returns', async () => {
        const watch = recordWatch(jobs, jobs.newJobId());
        try {
          await watch.until((job) => job === undefined, 'missing job');
          assert.equal(watch.calledBeforeReturn, false);
        } finally {
          watch.stop();
        }
      });

      it('sends nothing more once unsubscribed', async () => {
        const owner = subject.newOwner();
        const id = await queuedJob(owner);
        const stopped = recordWatch(jobs, id);
        await stopped.until((job) => job?.state === 'CREATED', 'CREATED job');
        stopped.stop();
        const witness = recordWatch(jobs, id);
        try {
          await witness.until((job) => job?.state === 'CREATED', 'CREATED job');
          await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS);
          // The witness, subscribed later, sees the change: the stopped listener had every chance to.
          await witness.until((job) => job?.state === 'CANCELLED', 'CANCELLED job');
          assert.deepEqual(
            stopped.seen.map((job) => job?.state),
            ['CREATED'],
          );
        } finally {
          witness.stop();
        }
      });
    });

    describe('read and claim', () => {
      it('reads a job with its version, and a missing job as undefined without one', async () => {
        const id = await queuedJob();
        const read = await jobs.read(id);
        assert.deepEqual(read.job, await stored(id));
        assert.notEqual(read.version, undefined);
        assert.deepEqual(await jobs.read(jobs.newJobId()), { job: undefined, version: undefined });
      });

      it('claims a dispatched job: RUNNING, attempts + 1, its claimId and lease, fenced by the claim’s own write', async () => {
        const id = await dispatchedJob();
        const now = subject.now();
        const claim = await jobs.claim(id, now, LEASE_MS);
        assert.ok(claim.claimed);
        const job = await stored(id);
        assert.equal(job.state, 'RUNNING');
        assert.equal(job.attempts, 1);
        assert.equal(job.leaseExpireTime, now + LEASE_MS);
        assert.equal(typeof job.startTime, 'number');
        assert.equal(typeof job.claimId, 'string');
        assert.equal(claim.attempt.id, id);
        assert.equal(claim.attempt.attempt, 1);
        assert.equal(claim.attempt.claimId, job.claimId);
        assert.deepEqual(claim.attempt.version, (await jobs.read(id)).version, 'the fence is the claim’s write');
        assert.equal(claim.job.state, 'RUNNING');
        assert.equal(claim.job.attempts, 1);
        assert.equal(claim.job.claimId, job.claimId);
        assert.equal(claim.job.leaseExpireTime, now + LEASE_MS);
        assert.deepEqual(claim.job.input, job.input);
      });

      it('lets exactly one of ten concurrent claims of the same read win', async () => {
        const id = await dispatchedJob();
        const seen = await jobs.read(id);
        const claims = await Promise.all(
          Array.from({ length: 10 }, () => jobs.claim(id, subject.now(), LEASE_MS, seen)),
        );
        assert.equal(claims.filter((c) => c.claimed).length, 1, 'one claim won');
        for (const claim of claims.filter((c) => !c.claimed)) {
          assert.deepEqual(claim, { claimed: false, reason: 'not-claimable', state: 'RUNNING' });
        }
        const job = await stored(id);
        assert.equal(job.state, 'RUNNING');
        assert.equal(job.attempts, 1, 'claimed once');
      });

      it('claims from a stale read by reading again, and refuses once the job is no longer queued', async () => {
        const owner = subject.newOwner();
        const id = await dispatchedJob(owner);
        const stale = await jobs.read(id);
        // The owner cancels the queued job meanwhile: the claim's read is stale.
        await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS);
        const claim = await jobs.claim(id, subject.now(), LEASE_MS, stale);
        assert.deepEqual(claim, { claimed: false, reason: 'not-claimable', state: 'CANCELLED' });
        assert.equal((await stored(id)).state, 'CANCELLED', 'the claim did not overwrite the terminal state');
      });

      it('claims from a stale read of a job still queued, after reading it again', async () => {
        const id = await dispatchedJob();
        const stale = await jobs.read(id);
        // The sweep sends the job again meanwhile: it is written, and still CREATED.
        await jobs.recoverJob(id, subject.now(), RETENTION_DAYS, () => 'republish');
        const claim = await jobs.claim(id, subject.now(), LEASE_MS, stale);
        assert.ok(claim.claimed);
        assert.equal(claim.attempt.attempt, 1);
        assert.deepEqual(claim.attempt.version, (await jobs.read(id)).version);
        assert.equal((await stored(id)).attempts, 1);
      });

      it('answers not-found for a job that does not exist, and not-claimable for one RUNNING or done', async () => {
        assert.deepEqual(await jobs.claim(jobs.newJobId(), subject.now(), LEASE_MS), {
          claimed: false,
          reason: 'not-found',
        });
        const { id, at } = await runningJob();
        assert.deepEqual(await jobs.claim(id, subject.now(), LEASE_MS), {
          claimed: false,
          reason: 'not-claimable',
          state: 'RUNNING',
        });
        await jobs.finish(at, { state: 'COMPLETED', result: 'x' }, subject.now(), RETENTION_DAYS);
        assert.deepEqual(await jobs.claim(id, subject.now(), LEASE_MS), {
          claimed: false,
          reason: 'not-claimable',
          state: 'COMPLETED',
        });
        assert.equal((await stored(id)).attempts, 1);
      });
    });

    describe('attempt writes', () => {
      it('writes progress for the attempt with one fenced write, and moves the fence to it', async () => {
        const { id, at } = await runningJob();
        const fenceBefore = at.version;
        assert.deepEqual(await jobs.writeProgress(at, { percent: 10, message: 'a tenth' }), {
          written: true,
          state: 'RUNNING',
        });
        assert.deepEqual((await stored(id)).progress, { percent: 10, message: 'a tenth' });
        assert.notDeepEqual(at.version, fenceBefore);
        assert.deepEqual(at.version, (await jobs.read(id)).version);
        assert.deepEqual(await jobs.writeProgress(at, { percent: 20 }), { written: true, state: 'RUNNING' });
        assert.deepEqual((await stored(id)).progress, { percent: 20 });
      });

      it('writes for the current attempt after someone else wrote the job, with one read to re-fence', async () => {
        const { id, owner, at } = await runningJob();
        const fenceBefore = at.version;
        // The owner's cancel request writes the job: the attempt's fence is now stale.
        assert.equal((await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS)).kind, 'cancel-requested');
        const progress = await jobs.writeProgress(at, { percent: 50, message: 'half' });
        assert.deepEqual(progress, { written: true, state: 'RUNNING' });
        assert.notDeepEqual(at.version, fenceBefore, 'the fence moved to the new write');
        const job = await stored(id);
        assert.deepEqual(job.progress, { percent: 50, message: 'half' });
        assert.equal(job.cancelRequested, true, 'the other write is kept');
        const finished = await jobs.finish(
          at,
          { state: 'CANCELLED', error: { code: 'cancelled', message: 'x' } },
          subject.now(),
          RETENTION_DAYS,
          { queueMillis: 1, runMillis: 2 },
        );
        assert.deepEqual(finished, { written: true, state: 'RUNNING' });
        const done = await stored(id);
        assert.equal(done.state, 'CANCELLED');
        assert.equal(done.runMillis, 2);
      });

      it('refuses every write of a superseded attempt, whatever its fence says', async () => {
        const { id, at: first } = await runningJob();
        // The sweep takes the job back (lease lost) and a second worker claims it.
        await jobs.requeue({ id, attempt: 1 }, { code: 'unavailable', message: 'worker lost' }, subject.now());
        const second = await jobs.claim(id, subject.now(), LEASE_MS);
        assert.ok(second.claimed);
        assert.equal(second.attempt.attempt, 2);

        assert.deepEqual(await jobs.writeProgress(first, { percent: 99 }), { written: false, state: 'RUNNING' });
        const late = await jobs.finish(first, { state: 'COMPLETED', result: 'late' }, subject.now(), RETENTION_DAYS);
        assert.deepEqual(late, { written: false, state: 'RUNNING' });
        const job = await stored(id);
        assert.equal(job.attempts, 2);
        assert.equal(job.state, 'RUNNING', 'the second attempt still owns the job');
        assert.equal(job.result, undefined);
        assert.equal(job.progress, undefined);
      });

      it('refuses a write of an attempt whose claim the job no longer holds, though the attempt number matches', async () => {
        const { id, at } = await runningJob();
        const before = await stored(id);
        const stranger: AttemptRef = { id, attempt: at.attempt, claimId: 'another claim' };
        assert.deepEqual(await jobs.writeProgress(stranger, { percent: 5 }), { written: false, state: 'RUNNING' });
        const error: JobError = { code: 'internal', message: 'x' };
        assert.deepEqual(await jobs.finish(stranger, { state: 'FAILED', error }, subject.now(), RETENTION_DAYS), {
          written: false,
          state: 'RUNNING',
        });
        assert.deepEqual(await stored(id), before);
      });

      it('completes: COMPLETED, done, the result and durations, no error left from a retry, no lease', async () => {
        const { id, at: first } = await runningJob();
        const error: JobError = { code: 'unavailable', message: 'try again' };
        await jobs.requeue(first, error, subject.now());
        assert.deepEqual((await stored(id)).error, error, 'the retry shows the last error');
        const second = await jobs.claim(id, subject.now(), LEASE_MS);
        assert.ok(second.claimed);
        const now = subject.now();
        const result = { count: 3, names: ['a', 'b'] };
        const finished = await jobs.finish(second.attempt, { state: 'COMPLETED', result }, now, RETENTION_DAYS, {
          queueMillis: 5,
          runMillis: 7,
        });
        assert.equal(finished.written, true);
        assert.equal(second.attempt.ended, true);
        const job = await stored(id);
        assert.equal(job.state, 'COMPLETED');
        assert.equal(job.done, true);
        assert.deepEqual(job.result, result);
        assert.equal(job.error, undefined);
        assert.equal(job.queueMillis, 5);
        assert.equal(job.runMillis, 7);
        assert.equal(job.leaseExpireTime, null);
        assert.equal(job.expireTime, expireTimeFor(now, RETENTION_DAYS));
        assert.equal(typeof job.doneTime, 'number');
        assert.equal(job.attempts, 2);
      });

      it('stores null for a handler that returned nothing', async () => {
        const { id, at } = await runningJob();
        await jobs.finish(at, { state: 'COMPLETED', result: undefined }, subject.now(), RETENTION_DAYS);
        assert.equal((await stored(id)).result, null);
      });

      it('ends a job FAILED or CANCELLED with the error given', async () => {
        const failed = await runningJob();
        const error: JobError = { code: 'invalid-argument', message: 'bad' };
        const written = await jobs.finish(failed.at, { state: 'FAILED', error }, subject.now(), RETENTION_DAYS);
        assert.equal(written.written, true);
        const job = await stored(failed.id);
        assert.equal(job.state, 'FAILED');
        assert.equal(job.done, true);
        assert.deepEqual(job.error, error);
        assert.equal(job.result, undefined);

        const cancelled = await runningJob();
        await jobs.finish(
          cancelled.at,
          { state: 'CANCELLED', error: CANCELLED_BY_OWNER },
          subject.now(),
          RETENTION_DAYS,
        );
        assert.equal((await stored(cancelled.id)).state, 'CANCELLED');
        assert.deepEqual((await stored(cancelled.id)).error, CANCELLED_BY_OWNER);
      });

      it('refuses every write of an attempt once its end is written, and writes nothing', async () => {
        const { id, at } = await runningJob();
        const error: JobError = { code: 'cancelled', message: 'x' };
        assert.equal(
          (await jobs.finish(at, { state: 'CANCELLED', error }, subject.now(), RETENTION_DAYS)).written,
          true,
        );
        assert.equal(at.ended, true);
        const ended = await stored(id);
        assert.deepEqual(await jobs.writeProgress(at, { percent: 9 }), { written: false });
        assert.deepEqual(await jobs.requeue(at, error, subject.now()), { written: false });
        assert.deepEqual(await jobs.finish(at, { state: 'COMPLETED', result: 1 }, subject.now(), RETENTION_DAYS), {
          written: false,
        });
        assert.deepEqual(await stored(id), ended);
      });

      it('requeues: CREATED again with the error and the dispatch time, no lease, and the attempt ended', async () => {
        const { id, at } = await runningJob();
        const error: JobError = { code: 'unavailable', message: 'flaky' };
        const dispatchAt = subject.now() + 30_000;
        assert.equal((await jobs.requeue(at, error, dispatchAt)).written, true);
        assert.equal(at.ended, true);
        const job = await stored(id);
        assert.equal(job.state, 'CREATED');
        assert.equal(job.done, false);
        assert.equal(job.attempts, 1);
        assert.deepEqual(job.error, error);
        assert.equal(job.dispatchTime, dispatchAt);
        assert.equal(job.leaseExpireTime, null);
        assert.deepEqual(await jobs.writeProgress(at, { percent: 1 }), { written: false });
        assert.deepEqual(await stored(id), job);
      });

      it('does not take another writer’s end of the job for its own, even one made at the same millisecond', async () => {
        // The sweep fails the job (its lease lapsed) at the very time the slow worker ends it.
        const failed = await runningJob();
        const now = subject.now();
        await jobs.recoverJob(failed.id, now, RETENTION_DAYS, () => 'fail');
        const error: JobError = { code: 'internal', message: 'x' };
        const result = await jobs.finish(failed.at, { state: 'FAILED', error }, now, RETENTION_DAYS);
        assert.deepEqual(result, { written: false, state: 'FAILED' });
        assert.equal(failed.at.ended, undefined, 'the attempt did not write its end');
        assert.deepEqual((await stored(failed.id)).error, WORKER_LOST);

        // The sweep cancels it for its owner while the worker ends it cancelled too, with the same error: only
        // the worker's durations tell its end from the sweep's.
        const cancelled = await runningJob();
        const durations = { queueMillis: 1, runMillis: 2 };
        await jobs.cancel(cancelled.id, cancelled.owner, now, RETENTION_DAYS);
        await jobs.recoverJob(cancelled.id, now, RETENTION_DAYS, () => 'cancel');
        const ending = { state: 'CANCELLED', error: CANCELLED_BY_OWNER } as const;
        const late = await jobs.finish(cancelled.at, ending, now, RETENTION_DAYS, durations);
        assert.deepEqual(late, { written: false, state: 'CANCELLED' });
        assert.equal((await stored(cancelled.id)).runMillis, undefined, 'the sweep’s end, which has no durations');

        // The sweep queues it again at the very time the worker's retry would have it run.
        const requeued = await runningJob();
        await jobs.recoverJob(requeued.id, now, RETENTION_DAYS, () => 'retry');
        const retry = await jobs.requeue(requeued.at, { code: 'unavailable', message: 'flaky' }, now);
        assert.deepEqual(retry, { written: false, state: 'CREATED' });
        assert.deepEqual((await stored(requeued.id)).error, WORKER_LOST);
      });

      it('says a plain error is not transient', () => {
        assert.equal(jobs.isTransientError(new Error('boom')), false);
      });
    });

    describe('sweep', () => {
      /** A dispatched CREATED job whose dispatch time is `time`. */
      async function queuedAt(time: number): Promise<string> {
        const id = await dispatchedJob();
        await jobs.recoverJob(id, time, RETENTION_DAYS, () => 'republish');
        assert.equal((await stored(id)).dispatchTime, time);
        return id;
      }

      it('finds CREATED jobs whose dispatch time is before a time, oldest first, at most `limit`', async () => {
        const newer = longAgo();
        const older = longAgo();
        const newerId = await queuedAt(newer);
        const olderId = await queuedAt(older);
        // A RUNNING job is not queued, however old its dispatch time.
        const runningId = await queuedAt(older - 1_000);
        assert.ok((await jobs.claim(runningId, subject.now(), LEASE_MS)).claimed);
        assert.deepEqual(await jobs.queuedBefore(newer, 100), [olderId]);
        assert.deepEqual(await jobs.queuedBefore(newer + 1, 100), [olderId, newerId]);
        assert.deepEqual(await jobs.queuedBefore(newer + 1, 1), [olderId]);
        assert.deepEqual(await jobs.queuedBefore(older, 100), []);
      });

      it('finds RUNNING jobs whose lease ended before a time, and no job queued or done', async () => {
        const time = longAgo();
        const { id, at } = await runningJob(undefined, time, 1_000);
        assert.equal((await stored(id)).leaseExpireTime, time + 1_000);
        assert.deepEqual(await jobs.leaseExpiredBefore(time + 1_000, 100), []);
        assert.deepEqual(await jobs.leaseExpiredBefore(time + 1_001, 100), [id]);
        await jobs.requeue(at, WORKER_LOST, time);
        assert.deepEqual(await jobs.leaseExpiredBefore(time + 1_001, 100), [], 'queued again');
        const again = await jobs.claim(id, time - 5_000, 1_000);
        assert.ok(again.claimed);
        assert.deepEqual(await jobs.leaseExpiredBefore(time + 1_001, 100), [id]);
        await jobs.finish(again.attempt, { state: 'COMPLETED', result: 1 }, subject.now(), RETENTION_DAYS);
        assert.deepEqual(await jobs.leaseExpiredBefore(time + 1_001, 100), [], 'done');
      });

      it('republish: moves a dispatched job’s dispatch time to now, and answers the job it decided on', async () => {
        const id = await dispatchedJob();
        const seen: Job[] = [];
        const now = subject.now() + 120_000;
        const result = await jobs.recoverJob(id, now, RETENTION_DAYS, (job) => {
          seen.push(job);
          return 'republish';
        });
        assert.equal(seen.length >= 1, true);
        assert.equal(seen.at(-1)?.state, 'CREATED');
        assert.equal(result?.action, 'republish');
        assert.equal(result?.job.state, 'CREATED');
        const job = await stored(id);
        assert.equal(job.state, 'CREATED');
        assert.equal(job.dispatchTime, now);
        assert.equal(job.attempts, 0);
      });

      it('retry: queues a RUNNING job again with the worker-lost error, and its old attempt writes nothing more', async () => {
        const { id, at } = await runningJob();
        const now = subject.now();
        const result = await jobs.recoverJob(id, now, RETENTION_DAYS, () => 'retry');
        assert.equal(result?.action, 'retry');
        assert.equal(result?.job.state, 'RUNNING', 'the job as the sweep found it');
        const job = await stored(id);
        assert.equal(job.state, 'CREATED');
        assert.deepEqual(job.error, WORKER_LOST);
        assert.equal(job.dispatchTime, now);
        assert.equal(job.leaseExpireTime, null);
        assert.equal(job.attempts, 1);
        assert.deepEqual(await jobs.writeProgress(at, { percent: 80 }), { written: false, state: 'CREATED' });
        const next = await jobs.claim(id, subject.now(), LEASE_MS);
        assert.ok(next.claimed);
        assert.equal(next.attempt.attempt, 2);
      });

      it('fail: ends a RUNNING job FAILED with the worker-lost error', async () => {
        const { id } = await runningJob();
        const now = subject.now();
        assert.equal((await jobs.recoverJob(id, now, RETENTION_DAYS, () => 'fail'))?.action, 'fail');
        const job = await stored(id);
        assert.equal(job.state, 'FAILED');
        assert.equal(job.done, true);
        assert.deepEqual(job.error, WORKER_LOST);
        assert.equal(job.leaseExpireTime, null);
        assert.equal(job.expireTime, expireTimeFor(now, RETENTION_DAYS));
        assert.equal(typeof job.doneTime, 'number');
      });

      it('cancel: ends a RUNNING job whose owner asked to cancel it CANCELLED', async () => {
        const { id, owner } = await runningJob();
        await jobs.cancel(id, owner, subject.now(), RETENTION_DAYS);
        assert.equal((await jobs.recoverJob(id, subject.now(), RETENTION_DAYS, () => 'cancel'))?.action, 'cancel');
        const job = await stored(id);
        assert.equal(job.state, 'CANCELLED');
        assert.equal(job.done, true);
        assert.deepEqual(job.error, CANCELLED_BY_OWNER);
        assert.equal(job.leaseExpireTime, null);
      });

      it('none: changes nothing', async () => {
        const { id } = await runningJob();
        const before = await jobs.read(id);
        const result = await jobs.recoverJob(id, subject.now(), RETENTION_DAYS, () => 'none');
        assert.equal(result?.action, 'none');
        assert.deepEqual(await jobs.read(id), before);
      });

      it('answers undefined for a job that does not exist', async () => {
        let decided = false;
        const result = await jobs.recoverJob(jobs.newJobId(), subject.now(), RETENTION_DAYS, () => {
          decided = true;
          return 'retry';
        });
        assert.equal(result, undefined);
        assert.equal(decided, false);
      });

      it('lets a worker that finishes first win: the sweep decides on the job as it stands and does nothing', async () => {
        const time = longAgo();
        const { id, at } = await runningJob(undefined, time, 1_000);
        const now = subject.now();
        assert.ok((await jobs.leaseExpiredBefore(now, 1000)).includes(id), 'the sweep found the lease lapsed');
        // The worker was slow, not dead: it ends the job before the sweep's change.
        await jobs.finish(at, { state: 'COMPLETED', result: 'mine' }, now, RETENTION_DAYS);
        const decide = (job: Job): RecoveryAction =>
          decideRecovery(job, DEFAULT_RETRY_POLICY, now, { dispatchGraceMs: 60_000 });
        const result = await jobs.recoverJob(id, now, RETENTION_DAYS, decide);
        assert.equal(result?.action, 'none');
        assert.equal(result?.job.state, 'COMPLETED');
        const job = await stored(id);
        assert.equal(job.state, 'COMPLETED');
        assert.equal(job.result, 'mine');
      });
    });

    fairSchedulingContract(() => subject);
  });
}
