/**
 * What the repository contract's tests run on, and the jobs they make: a job waiting in a pool's queue, one
 * dispatched to a worker slot, one claimed. Each test queues its jobs in pools of its own (a new pool name each
 * time unless it names one), so a dispatch finds only the test's own jobs, also in the shared database the Firestore
 * adapter's run uses.
 */
import assert from 'node:assert/strict';
import type { Job } from '../../library/src/core/job';
import type { Admission, AttemptRef, JobRepository } from '../../library/src/core/ports/job-repository';

/** What one test of the suite runs on. */
export interface JobRepositorySubject {
  /** The repository under test. */
  repository: JobRepository;
  /** The repository's time (epoch ms): what the tests pass as `now`. */
  now(): number;
  /** An owner uid no other test uses. */
  newOwner(): string;
  /** The job as stored, read past the port (undefined if there is none). */
  readJob(id: string): Promise<Job | undefined>;
}

/** How the suite gets its subject. */
export interface JobRepositoryContractTarget {
  /** Called before each test. */
  setUp(): JobRepositorySubject | Promise<JobRepositorySubject>;
}

export const LEASE_MS = 60_000;
export const RETENTION_DAYS = 30;
export const SLEEP_REQUEST = { type: 'sleep', input: { worktime: 1 } };
/** A limit no test reaches unless it means to. */
export const ROOMY_LIMIT = 100;

/** A pool name no other test uses. */
export function newPool(): string {
  return `contract-pool-${crypto.randomUUID()}`;
}

/** The admission of a create: `maxActiveJobs` in `pool`. */
export function admission(maxActiveJobs: number, pool = newPool()): Admission {
  return { maxActiveJobs, pool };
}

/** A dispatched and claimed job: its id, owner, pool and attempt. */
export interface RunningJob {
  id: string;
  owner: string;
  pool: string;
  at: AttemptRef;
}

/** The jobs the suite's tests make on `subject`, each checked as it is made. */
export function contractJobs(subject: JobRepositorySubject) {
  const jobs = subject.repository;

  /** The stored job; fails the test if there is none. */
  async function stored(id: string): Promise<Job> {
    const job = await subject.readJob(id);
    assert.ok(job, `job ${id} exists`);
    return job;
  }

  /** A new job of `owner`, waiting in `pool`'s queue. */
  async function queuedJob(owner = subject.newOwner(), pool = newPool(), limit = ROOMY_LIMIT): Promise<string> {
    const id = jobs.newJobId();
    assert.deepEqual(await jobs.create(id, owner, SLEEP_REQUEST, admission(limit, pool)), { kind: 'created' });
    return id;
  }

  /** A new job of `owner`, dispatched to a slot of a pool of its own: CREATED and due to be sent to a worker. */
  async function dispatchedJob(owner = subject.newOwner(), limit = ROOMY_LIMIT): Promise<string> {
    const pool = newPool();
    const id = await queuedJob(owner, pool, limit);
    assert.deepEqual(await jobs.dispatchNext(pool, 1, subject.now()), { kind: 'dispatched', jobId: id, type: 'sleep' });
    return id;
  }

  /** A new job of `owner`, dispatched and claimed at `now` with a lease of `leaseMs`. */
  async function runningJob(
    owner = subject.newOwner(),
    now = subject.now(),
    leaseMs = LEASE_MS,
    limit = ROOMY_LIMIT,
  ): Promise<RunningJob> {
    const id = await dispatchedJob(owner, limit);
    const claim = await jobs.claim(id, now, leaseMs);
    assert.ok(claim.claimed, 'claimed');
    const pool = (await stored(id)).pool;
    assert.ok(pool !== undefined, 'the job names its pool');
    return { id, owner, pool, at: claim.attempt };
  }

  return { stored, queuedJob, dispatchedJob, runningJob };
}
