import { expireTimeFor, type Millis } from '../job';
import { serverTime, type Write, type WriteData } from '../ports/document-store';
import { read } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { writeForAttempt, type Attempt, type AttemptWrite } from './attempt';

/**
 * A job's steps (`step` in the task context): each step done is a document `jobs/{id}/steps/{name}` holding its
 * result, written in one commit with the job's `steps` (the names done, in order) and fenced on the attempt like
 * every write of it, so only the attempt that holds the job records a step, and a step's result is recorded once.
 * A later attempt reads them all (one query) at its first step, and returns a done step's result without running
 * it.
 */

/**
 * How much longer than a job's own retention (counted from its end) its steps are kept, beyond the job's time limit,
 * counted from when each was done: Firestore's TTL deletes the job document, not the documents under it, so each
 * step carries its own `expireTime`, set when it is written, before the job's end is known. A job ends within its
 * time limit of its steps (TaskDefinition.totalTimeoutSeconds), and within a day more of retries and their backoff,
 * so its steps outlive it and are then deleted by TTL too.
 */
const STEP_OUTLIVES_JOB_MS = 24 * 60 * 60 * 1000;

/** The job's steps done, with their results, in the order they finished: one query. */
export async function readDoneSteps(
  access: StoreAccess,
  jobId: string,
  deadline: Millis,
): Promise<{ name: string; result: unknown }[]> {
  const docs = await read(access, () => access.store.query({ collection: access.layout.steps(jobId) }), deadline);
  const doneTime = (data: { readonly [field: string]: unknown }) =>
    typeof data.doneTime === 'number' ? data.doneTime : 0;
  return docs
    .map((doc) => ({ name: doc.id, result: doc.data.result, at: doneTime(doc.data) }))
    .sort((a, b) => a.at - b.at || (a.name < b.name ? -1 : 1))
    .map(({ name, result }) => ({ name, result }));
}

/** The job's step that starts now: `currentStep`, with the lease moved (a step's writes are heartbeats too). */
export function writeStepStart(
  access: StoreAccess,
  at: Attempt,
  name: string,
  leaseExpireTime: Millis,
  deadline: Millis,
): Promise<AttemptWrite> {
  const data: WriteData = { currentStep: name, leaseExpireTime, updateTime: serverTime() };
  return writeLeaseMoving(access, at, leaseExpireTime, deadline, () => ({
    writes: [{ op: 'update', path: access.layout.job(at.id), data }],
    value: () => undefined,
  }));
}

/**
 * A step done: its result's document, and the job's `steps` with its name added (`done` are those before it), in one
 * commit. A commit applied whose answer was lost is recognized by the name in the job's `steps` as read again.
 */
export function writeStepDone(
  access: StoreAccess,
  at: Attempt,
  name: string,
  result: unknown,
  done: readonly string[],
  leaseExpireTime: Millis,
  retentionDays: number,
  jobLimitMs: number,
  deadline: Millis,
): Promise<AttemptWrite> {
  const job: WriteData = { steps: [...done, name], currentStep: null, leaseExpireTime, updateTime: serverTime() };
  return writeLeaseMoving(
    access,
    at,
    leaseExpireTime,
    deadline,
    () => ({
      writes: [
        { op: 'update', path: access.layout.job(at.id), data: job },
        stepDoneWrite(access, at, name, result, retentionDays, jobLimitMs),
      ],
      value: () => undefined,
    }),
    (job) => (job.steps?.includes(name) === true ? { value: undefined } : undefined),
  );
}

/**
 * The document of a step done by the attempt, holding its result (created: a step is recorded once), kept for the
 * job's time limit (`jobLimitMs`) and its retention after it.
 */
export function stepDoneWrite(
  access: StoreAccess,
  at: Attempt,
  name: string,
  result: unknown,
  retentionDays: number,
  jobLimitMs: number,
): Write {
  return stepDocumentWrite(access, at.id, at.attempt, name, result, retentionDays, jobLimitMs);
}

/** The document of a job's step done by its attempt `attempt` (see stepDoneWrite). */
export function stepDocumentWrite(
  access: StoreAccess,
  jobId: string,
  attempt: number,
  name: string,
  result: unknown,
  retentionDays: number,
  jobLimitMs: number,
): Write {
  const data: WriteData = {
    name,
    result: result ?? null,
    attempt,
    doneTime: serverTime(),
    expireTime: expireTimeFor(access.clock.now() + jobLimitMs + STEP_OUTLIVES_JOB_MS, retentionDays),
  };
  return { op: 'create', path: access.layout.step(jobId, name), data };
}

/** A write of the attempt that also moves its lease to `leaseExpireTime` once written. */
async function writeLeaseMoving(
  access: StoreAccess,
  at: Attempt,
  leaseExpireTime: Millis,
  deadline: Millis,
  decide: Parameters<typeof writeForAttempt<undefined>>[2],
  recognize?: Parameters<typeof writeForAttempt<undefined>>[3],
): Promise<AttemptWrite> {
  const written = await writeForAttempt(access, at, decide, recognize, deadline);
  if (written.written) at.leaseExpireTime = leaseExpireTime;
  return written;
}
