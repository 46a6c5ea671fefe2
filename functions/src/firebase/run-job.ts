import type { JobError } from '../job/job-document';
import { toJobError } from '../job/job-error';
import { parseTaskMessage, type ReceivedMessage } from '../job/task-message';
import { logs } from '../logs';
import type { TaskRegistry } from '../tasks/registry';
import type { FinishResult, JobOutcome, JobStore, StoredJob } from './job-store';

/** What the worker needs, passed in so tests can give their own. */
export interface RunJobDeps {
  store: JobStore;
  tasks: TaskRegistry;
}

/** Runs the job's handler and turns whatever happens into an outcome; never throws. */
async function runHandler(jobId: string, job: StoredJob, tasks: TaskRegistry): Promise<JobOutcome> {
  const failed = (error: JobError): JobOutcome => ({ state: 'FAILED', error });
  const task = tasks.get(job.type);
  if (!task) return failed({ code: 'unimplemented', message: `task type "${job.type}" is not served here` });
  // The input was validated at create time; validating again catches a schema that changed since.
  const input = task.input.safeParse(job.input);
  if (!input.success)
    return failed({ code: 'invalid-argument', message: `input no longer valid: ${input.error.message}` });
  try {
    return { state: 'COMPLETED', result: await task.run(input.data, { jobId, attempt: job.attempts }) };
  } catch (e) {
    return failed(toJobError(e));
  }
}

/**
 * Writes the outcome. A result Firestore cannot store (too big, or not serialisable) must still end the job,
 * so it becomes FAILED; returns the outcome that was written.
 */
async function writeOutcome(
  store: JobStore,
  jobId: string,
  outcome: JobOutcome,
): Promise<{ finish: FinishResult; outcome: JobOutcome }> {
  try {
    return { finish: await store.finish(jobId, outcome), outcome };
  } catch (e) {
    if (outcome.state !== 'COMPLETED') throw e;
    const failed: JobOutcome = {
      state: 'FAILED',
      error: toJobError(new Error(`the task's result could not be stored: ${String(e)}`)),
    };
    return { finish: await store.finish(jobId, failed), outcome: failed };
  }
}

/**
 * The worker's logic for one delivered message. Pub/Sub delivers at least once, so a message is only a hint:
 * the claim transaction decides whether this delivery runs the job. Messages that cannot be run (poison,
 * unknown job, already claimed) are logged and acknowledged by returning normally; retrying them could only
 * fail again.
 */
export async function handleJobMessage(message: ReceivedMessage, deps: RunJobDeps): Promise<void> {
  const parsed = parseTaskMessage(message);
  if (!parsed.ok) {
    logs.poisonMessage(message.messageId, parsed.reason);
    return;
  }
  const { jobId } = parsed;
  const claim = await deps.store.claim(jobId);
  if (!claim.claimed) {
    if (claim.reason === 'not-found') logs.jobNotFound(jobId, message.messageId);
    else logs.duplicateDelivery(jobId, claim.state, message.messageId);
    return;
  }
  const { job } = claim;
  logs.jobStarted(jobId, job.type, job.attempts);
  const started = Date.now();
  const outcome = await runHandler(jobId, job, deps.tasks);
  const runMillis = Date.now() - started;
  const written = await writeOutcome(deps.store, jobId, outcome);
  if (!written.finish.written) logs.terminalWriteSkipped(jobId, written.finish.state);
  else if (written.outcome.state === 'COMPLETED') logs.jobCompleted(jobId, job.type, runMillis);
  else logs.jobFailed(jobId, job.type, written.outcome.error, runMillis);
}
