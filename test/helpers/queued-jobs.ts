/**
 * Jobs made through the job protocol (core/protocol/create-jobs.ts), as createJob makes them, for the tests that
 * drive the worker or the sweep by hand. Each call's jobs are in a worker pool of their own: no deployed worker
 * serves it and no other test file's job waits in it, so the test decides alone when its jobs are sent.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CreateJobRequest, SentJob } from '@async-jobs/contract';
import { createJobs } from '../../library/src/core/protocol/create-jobs';
import { deadlineAfter, type StoreAccess } from '../../library/src/core/store/store-access';

/** The per-user limit the in-process dependencies admit jobs against (inProcessDeps' maxActiveJobsPerUser). */
export const IN_PROCESS_MAX_ACTIVE_JOBS = 10;

/** A worker pool no other test uses. */
export const testPool = (): string => `test-${randomUUID()}`;

/**
 * Creates jobs of `owner`, CREATED and waiting for a slot in a pool of their own with no capacity (so no delivery can
 * claim them, and no dispatch send them); fails the test unless all were created. Returns their ids, in order, and
 * their pool.
 */
export async function createWaitingJobs(
  access: StoreAccess,
  owner: string,
  requests: readonly CreateJobRequest[],
  maxActiveJobs = IN_PROCESS_MAX_ACTIVE_JOBS,
): Promise<{ ids: string[]; pool: string }> {
  const pool = testPool();
  const jobs = requests.map((request) => ({
    id: access.store.newId(),
    type: request.type,
    input: request.input,
    pool,
  }));
  const made = await createJobs(access, owner, jobs, {
    maxActiveJobs,
    capacity: () => 0,
    deadline: deadlineAfter(access),
  });
  assert.equal(made.kind, 'created', JSON.stringify(made));
  assert.deepEqual(
    made.jobs.map((job) => ({ id: job.id, state: job.state, waitingIn: job.waitingIn })),
    jobs.map((job) => ({ id: job.id, state: 'CREATED', waitingIn: pool })),
    'every job made, waiting in its pool',
  );
  return { ids: jobs.map((job) => job.id), pool };
}

/** Creates one job of `owner` waiting for a slot (createWaitingJobs); returns its id and pool. */
export async function createWaitingJob(
  access: StoreAccess,
  owner: string,
  request: CreateJobRequest,
  maxActiveJobs = IN_PROCESS_MAX_ACTIVE_JOBS,
): Promise<{ id: string; pool: string }> {
  const { ids, pool } = await createWaitingJobs(access, owner, [request], maxActiveJobs);
  return { id: ids[0] ?? '', pool };
}

/**
 * Creates a job of `owner` as createJob does when its pool has a free slot: CREATED, holding the slot (slot 0 of a
 * pool of its own, of capacity 1) in the commit that created it, due now. Returns its id, its pool and the job as
 * sent (what its task message carries: a delivery of it claims the job with one fenced write).
 */
export async function createDispatchedJob(
  access: StoreAccess,
  owner: string,
  request: CreateJobRequest,
  maxActiveJobs = IN_PROCESS_MAX_ACTIVE_JOBS,
): Promise<{ id: string; pool: string; sent: SentJob }> {
  const pool = testPool();
  const id = access.store.newId();
  const made = await createJobs(access, owner, [{ id, type: request.type, input: request.input, pool }], {
    maxActiveJobs,
    capacity: () => 1,
    deadline: deadlineAfter(access),
  });
  assert.equal(made.kind, 'created', JSON.stringify(made));
  const [job] = made.jobs;
  assert.ok(job?.sent, `job ${id} took its pool's free slot and is due to be sent: ${JSON.stringify(job)}`);
  assert.equal(job.sent.slot, 0);
  return { id, pool, sent: job.sent };
}
