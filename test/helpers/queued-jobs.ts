/**
 * Jobs written through the repository, as createJob writes them, for the tests that drive the worker or the sweep
 * by hand. Each job queues in a worker pool of its own: the test's dispatch then sends exactly its job, whatever
 * other test files left waiting in the standard pool, and its slot is one no deployed worker's job needs.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CreateJobRequest } from '@async-jobs/contract';
import type { JobRepository } from '../../library/src/core/ports/job-repository';

/** The per-user limit the in-process dependencies admit jobs against (inProcessDeps' maxActiveJobsPerUser). */
export const IN_PROCESS_MAX_ACTIVE_JOBS = 10;

/** A worker pool no other test uses. */
export const testPool = (): string => `test-${randomUUID()}`;

/**
 * Creates the job `id` of `owner`, CREATED and waiting for a slot in a pool of its own (so no delivery can claim
 * it yet); fails the test unless it was created. Returns its pool.
 */
export async function createWaitingJob(
  jobs: JobRepository,
  id: string,
  owner: string,
  request: CreateJobRequest,
  maxActiveJobs = IN_PROCESS_MAX_ACTIVE_JOBS,
): Promise<string> {
  const pool = testPool();
  assert.deepEqual(await jobs.create(id, owner, request, { maxActiveJobs, pool }), { kind: 'created' });
  return pool;
}

/**
 * Creates the job `id` of `owner` and dispatches it, as createJob does when a slot is free: CREATED, holding a
 * slot of its own pool, due now, so a delivery of its message claims it.
 */
export async function createDispatchedJob(
  jobs: JobRepository,
  id: string,
  owner: string,
  request: CreateJobRequest,
  maxActiveJobs = IN_PROCESS_MAX_ACTIVE_JOBS,
): Promise<void> {
  const pool = await createWaitingJob(jobs, id, owner, request, maxActiveJobs);
  assert.deepEqual(await jobs.dispatchNext(pool, 1, Date.now()), { kind: 'dispatched', jobId: id, type: request.type });
}
