import { logger } from 'firebase-functions';
import type { JobError } from './job/job-document';
import type { JobState } from './job/job-state';

/**
 * Named log events, one per thing that happens to a job, as structured entries. Inputs and results are never
 * logged: they are the user's data.
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
  jobStarted(jobId: string, type: string, attempt: number): void {
    logger.info('job running', { jobId, type, attempt });
  },
  jobCompleted(jobId: string, type: string, runMillis: number): void {
    logger.info('job completed', { jobId, type, runMillis });
  },
  jobEnded(jobId: string, type: string, state: JobState, error: JobError, runMillis: number): void {
    logger.warn(`job ${state.toLowerCase()}`, { jobId, type, code: error.code, message: error.message, runMillis });
  },
  jobRetrying(jobId: string, type: string, attempt: number, error: JobError, delayMs: number): void {
    logger.warn('job failed transiently; retry queued', { jobId, type, attempt, code: error.code, delayMs });
  },
  jobCancelled(jobId: string, owner: string, from: JobState): void {
    logger.info('job cancel requested', { jobId, owner, from });
  },
  jobRecovered(jobId: string, type: string, action: string, attempts: number): void {
    logger.warn('recovery sweep acted on a job', { jobId, type, action, attempts });
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
