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
    logger.error('publishing the task failed; the job was removed', { jobId, err: String(err) });
  },
  poisonMessage(messageId: string | undefined, reason: string): void {
    logger.warn('ignored a task message that cannot name a job', { messageId, reason });
  },
  jobNotFound(jobId: string, messageId: string | undefined): void {
    logger.warn('ignored a task message for a job that does not exist', { jobId, messageId });
  },
  duplicateDelivery(jobId: string, state: JobState, messageId: string | undefined): void {
    logger.info('ignored a repeated task message: the job is already claimed', { jobId, state, messageId });
  },
  jobStarted(jobId: string, type: string, attempt: number): void {
    logger.info('job running', { jobId, type, attempt });
  },
  jobCompleted(jobId: string, type: string, runMillis: number): void {
    logger.info('job completed', { jobId, type, runMillis });
  },
  jobFailed(jobId: string, type: string, error: JobError, runMillis: number): void {
    logger.warn('job failed', { jobId, type, code: error.code, message: error.message, runMillis });
  },
  terminalWriteSkipped(jobId: string, state: JobState | undefined): void {
    logger.warn('did not write the outcome: the job is no longer running', { jobId, state });
  },
};
