import { logger } from 'firebase-functions/logger';
import type { JobError } from './job/job-document';
import type { JobState } from './job/job-state';

/** Who and what every log entry about a running job names (never the input: it is the user's data). */
export interface AttemptLogContext {
  jobId: string;
  type: string;
  owner: string;
  attempt: number;
}

/** The durations of the attempt that ended a job (see JobDocument.queueMillis and runMillis). */
interface Durations {
  queueMillis: number;
  runMillis: number;
}

/**
 * Named log events, one per thing that happens to a job, as structured entries. Inputs and results are never
 * logged: they are the user's data. firebase-functions' logger writes the entry's text as `message`, over any
 * `message` field of the data, so a job's error is logged as `error: { code, message }`.
 */
export const logs = {
  jobCreated(jobId: string, type: string, owner: string): void {
    logger.info('job created', { jobId, type, owner });
  },
  publishFailed(jobId: string, err: unknown): void {
    logger.error('publishing the task failed; the recovery sweep will publish it again', { jobId, err: String(err) });
  },
  poisonMessage(messageId: string | undefined, reason: string): void {
    logger.warn('ignored a task message that cannot name a job', { messageId, reason });
  },
  jobNotFound(jobId: string, messageId: string | undefined): void {
    logger.warn('ignored a task message for a job that does not exist', { jobId, messageId });
  },
  duplicateDelivery(jobId: string, state: JobState, messageId: string | undefined): void {
    logger.info('ignored a repeated task message: the job is not queued', { jobId, state, messageId });
  },
  jobStarted(at: AttemptLogContext, queueMillis: number): void {
    logger.info('job running', { ...at, queueMillis });
  },
  jobCompleted(at: AttemptLogContext, durations: Durations): void {
    logger.info('job completed', { ...at, ...durations });
  },
  jobEnded(at: AttemptLogContext, state: JobState, error: JobError, durations: Durations): void {
    logger.warn(`job ${state.toLowerCase()}`, {
      ...at,
      error: { code: error.code, message: error.message },
      ...durations,
    });
  },
  jobRetrying(at: AttemptLogContext, error: JobError, delayMs: number, runMillis: number): void {
    logger.warn('job failed transiently; retry queued', {
      ...at,
      error: { code: error.code, message: error.message },
      delayMs,
      runMillis,
    });
  },
  jobCancelled(at: AttemptLogContext, from: JobState): void {
    logger.info('job cancel requested', { ...at, from });
  },
  jobRecovered(at: AttemptLogContext, action: string): void {
    logger.warn('recovery sweep acted on a job', { ...at, action });
  },
  terminalWriteFailed(at: AttemptLogContext, state: JobState, err: unknown): void {
    logger.error(
      'could not write the job’s end; it stays RUNNING and the sweep retries or ends it when its lease lapses',
      {
        ...at,
        state,
        err: String(err),
      },
    );
  },
  terminalWriteSkipped(jobId: string, state: JobState | undefined): void {
    logger.warn('did not write: the attempt is no longer the job’s current one', { jobId, state });
  },
  progressWriteFailed(jobId: string, err: unknown): void {
    logger.warn('a progress write failed', { jobId, err: String(err) });
  },
  httpInternalError(method: string, path: string, err: unknown): void {
    logger.error('the HTTP API failed unexpectedly', { method, path, err: String(err) });
  },
  cancelWatchFailed(jobId: string, err: unknown): void {
    logger.warn('the cancel listener failed; the job can still end by its time limit', { jobId, err: String(err) });
  },
};
