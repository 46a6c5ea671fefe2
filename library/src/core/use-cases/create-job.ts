import type { CreateJobResponse, CreateJobsResponse } from '@async-jobs/contract';
import { parseCreateJobRequest, parseCreateJobsRequest, type CreateJobLimits } from '../create-request';
import { QuotaExceededError, RequestIdReusedError } from '../errors';
import { createJobs, type CreatedJob, type NewJob } from '../protocol/create-jobs';
import { jobIdForRequest } from '../request-identity';
import { deadlineAfter } from '../store/store-access';
import { dispatchAfterQueued, sendJobs, type CoreDeps } from './dispatch';
import { setWakeTimer } from './wake';

/** The per-user limits in force for a call (params, read at call time). */
export interface JobLimits extends CreateJobLimits {
  /** Jobs one user may have not done (CREATED or RUNNING) at once. */
  maxActiveJobsPerUser: number;
  /** Requests of one user that may wait on a job (`:wait`) at once. */
  maxWaitsPerUser: number;
}

/** What creating jobs needs, passed in so tests can give their own. */
export interface CreateJobDeps extends CoreDeps {
  /** The limits in force for this call (params, read at call time). */
  limits(): JobLimits;
}

/**
 * Makes the jobs (protocol/create-jobs.ts), then sends the ones that took a free slot and, for each pool where some
 * now wait, fills any slot freed meanwhile. A refusal throws a DomainError (a quota refusal writes nothing; a batch's
 * request mismatch may be found after some of its jobs were committed). A rejected `writesAllowed` (a check of the
 * caller made meanwhile) stops the create before its first write, which then throws that error; an answer decided
 * before any write (a refusal, a repeat whose jobs all exist) does not await it, so the caller awaits the check too
 * and its refusal wins.
 */
async function make(
  owner: string,
  jobs: NewJob[],
  deps: CreateJobDeps,
  writesAllowed?: Promise<void>,
): Promise<CreatedJob[]> {
  const limits = deps.limits();
  const deadline = deadlineAfter(deps.access);
  const made = await createJobs(deps.access, owner, jobs, {
    maxActiveJobs: limits.maxActiveJobsPerUser,
    capacity: (pool) => deps.capacity(pool),
    deadline,
    ...(writesAllowed ? { writesAllowed } : {}),
  });
  switch (made.kind) {
    case 'request-mismatch':
      throw new RequestIdReusedError(made.requestId);
    case 'quota-exceeded':
      throw new QuotaExceededError(made.active, limits.maxActiveJobsPerUser);
    case 'created':
      break;
  }
  for (const job of made.jobs) if (!job.existing) deps.log.jobCreated(job.id, job.type, owner);
  await sendJobs(
    deps,
    made.jobs.flatMap((job) => (job.sent && !job.existing ? [{ id: job.id, type: job.type, sent: job.sent }] : [])),
  );
  const waitingByPool = new Map<string, number>();
  for (const job of made.jobs) {
    if (job.waitingIn && !job.existing) waitingByPool.set(job.waitingIn, (waitingByPool.get(job.waitingIn) ?? 0) + 1);
  }
  for (const [pool, waiting] of waitingByPool) await dispatchAfterQueued(deps, pool, waiting, deadline);
  for (const job of made.jobs)
    if (job.dueAt !== undefined && !job.existing) await setWakeTimer(deps, job.id, job.dueAt);
  return made.jobs;
}

/**
 * Creates a job for an authenticated owner (the callable and the HTTP API both call this): validation, then the
 * job, admitted against the owner's limit, in a free worker slot when one is free and nobody waits, else waiting
 * its fair turn in its pool's queue (CREATED with `waitReason: capacity`), from which it starts by itself when a
 * slot frees. If its message is lost, the recovery sweep sends it again, so the caller's job is never lost. With
 * `delaySeconds` it waits holding nothing until then (`waitReason: scheduled`), and a timer (or the sweep) then puts
 * it in its pool's queue. With `writesAllowed`, nothing is written before it resolves (see make).
 */
export async function createJob(
  owner: string,
  data: unknown,
  deps: CreateJobDeps,
  writesAllowed?: Promise<void>,
): Promise<CreateJobResponse> {
  const { delaySeconds, ...parsed } = parseCreateJobRequest(data, deps.tasks, deps.limits());
  const id = parsed.requestId === undefined ? deps.access.store.newId() : jobIdForRequest(owner, parsed.requestId);
  const dueAt = delaySeconds === undefined ? undefined : deps.access.clock.now() + delaySeconds * 1000;
  const job: NewJob = {
    ...parsed,
    id,
    pool: deps.tasks.poolOf(parsed.type),
    ...(dueAt === undefined ? {} : { dueAt }),
  };
  const [made] = await make(owner, [job], deps, writesAllowed);
  return { id, type: made?.type ?? parsed.type, state: made?.state ?? 'CREATED' };
}

/**
 * Creates the job that retries `retried` (an operator's retry): a NEW job for the retried job's owner, with its type
 * and input checked again by the task's schema, made as any create of that owner is, so the owner's limit and fair
 * turn apply. Its id derives from the owner and `retry:<retried id>` (AIP-155, as a requestId would), so a repeated or
 * racing retry of the same job finds the retry made before instead of making another.
 */
export async function createRetryJob(
  retried: { id: string; owner: string; type: string; input: Record<string, unknown> },
  deps: CreateJobDeps,
): Promise<CreateJobResponse> {
  const parsed = parseCreateJobRequest({ type: retried.type, input: retried.input }, deps.tasks, deps.limits());
  const requestId = `retry:${retried.id}`;
  const job: NewJob = {
    type: parsed.type,
    input: parsed.input,
    requestId,
    id: jobIdForRequest(retried.owner, requestId),
    pool: deps.tasks.poolOf(parsed.type),
    retryOf: retried.id,
  };
  const [made] = await make(retried.owner, [job], deps);
  return { id: job.id, type: made?.type ?? parsed.type, state: made?.state ?? 'CREATED' };
}

/**
 * Creates up to MAX_BATCH_JOBS jobs in one call, with one admission decision for all of them (the way a script
 * submits thousands of jobs: a few calls, each a few writes, instead of a write of its owner's document per job).
 * With a requestId the whole batch is idempotent: job i's id derives from (owner, requestId, i).
 */
export async function createJobsBatch(
  owner: string,
  data: unknown,
  deps: CreateJobDeps,
  writesAllowed?: Promise<void>,
): Promise<CreateJobsResponse> {
  const parsed = parseCreateJobsRequest(data, deps.tasks, deps.limits());
  const jobs: NewJob[] = parsed.jobs.map((job, index) => ({
    ...job,
    id:
      parsed.requestId === undefined
        ? deps.access.store.newId()
        : jobIdForRequest(owner, `${parsed.requestId}/${index}`),
    ...(parsed.requestId === undefined ? {} : { requestId: `${parsed.requestId}/${index}` }),
    pool: deps.tasks.poolOf(job.type),
  }));
  const made = await make(owner, jobs, deps, writesAllowed);
  return { jobs: made.map((job) => ({ id: job.id, type: job.type, state: job.state })) };
}
