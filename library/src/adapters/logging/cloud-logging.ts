import { logger } from 'firebase-functions/logger';
import type { JobError } from '@async-jobs/contract';
import type { JobLog } from '../../core/ports/job-log';

/** A job's error in a log entry (under `error`: the logger writes its own `message` over one at the top). */
function loggedJobError({ code, message, logId }: JobError): JobError {
  return logId === undefined ? { code, message } : { code, message, logId };
}

/**
 * The job log as structured entries of firebase-functions' logger (JSON on stdout, which Cloud Logging stores as
 * `jsonPayload`). The logger writes the entry's text as `message`, over any `message` field of the data, so a
 * job's error is logged as `error: { code, message }`.
 */
export const cloudLogging: JobLog = {
  jobCreated(jobId, type, owner) {
    logger.info('job created', { jobId, type, owner });
  },
  jobDispatched(jobId, type, pool) {
    logger.info('job sent to a worker', { jobId, type, pool });
  },
  dispatchFailed(pool, err) {
    logger.error('sending waiting jobs to free workers failed; the next job end or the sweep sends them', {
      pool,
      err: String(err),
    });
  },
  publishFailed(jobId, err) {
    logger.error('publishing the task failed; the recovery sweep will publish it again', { jobId, err: String(err) });
  },
  poisonMessage(messageId, reason) {
    logger.warn('ignored a task message that cannot name a job', { messageId, reason });
  },
  jobNotFound(jobId, messageId) {
    logger.warn('ignored a task message for a job that does not exist', { jobId, messageId });
  },
  duplicateDelivery(jobId, state, messageId) {
    logger.info('ignored a repeated task message: the job is not queued', { jobId, state, messageId });
  },
  jobStarted(at, queueMillis) {
    logger.info('job running', { ...at, queueMillis });
  },
  jobCompleted(at, durations) {
    logger.info('job completed', { ...at, ...durations });
  },
  jobEnded(at, state, error, durations) {
    logger.warn(`job ${state.toLowerCase()}`, { ...at, error: loggedJobError(error), ...durations });
  },
  jobRetrying(at, error, delayMs, runMillis) {
    logger.warn('job failed transiently; retry queued', {
      ...at,
      error: loggedJobError(error),
      delayMs,
      runMillis,
    });
  },
  jobCancelled(at, from) {
    logger.info('job cancel requested', { ...at, from });
  },
  taskErrorWithheld(at, logId, err) {
    logger.error('the task threw an error its owner does not see; the job shows only this logId', {
      ...at,
      logId,
      thrown: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
    });
  },
  jobSuspended(at, reason, dueAt) {
    logger.info('job suspended between steps; its slot is given back', {
      ...at,
      reason,
      dueTime: new Date(dueAt).toISOString(),
    });
  },
  timerFailed(jobId, err) {
    logger.error('setting the wake-up timer of a suspended job failed; the recovery sweep wakes it', {
      jobId,
      err: String(err),
    });
  },
  jobRecovered(at, action) {
    logger.warn('recovery sweep acted on a job', { ...at, action });
  },
  terminalWriteFailed(at, state, err) {
    logger.error(
      'could not write the job’s end; it stays RUNNING and the sweep retries or ends it when its lease lapses',
      {
        ...at,
        state,
        err: String(err),
      },
    );
  },
  terminalWriteSkipped(jobId, state) {
    logger.warn('did not write: the attempt is no longer the job’s current one', { jobId, state });
  },
  leaseRenewalFailed(jobId, err) {
    logger.warn('a lease renewal failed; the next one tries again', { jobId, err: String(err) });
  },
  recoveryFailed(jobId, err) {
    logger.warn('recovering a stale job failed; the other jobs were recovered, the next sweep tries it again', {
      jobId,
      err: String(err),
    });
  },
  sweepMarkFailed(pool, err) {
    logger.warn('marking a pool swept failed; the sweep itself ran', { pool, err: String(err) });
  },
  staleCheckFailed(err) {
    logger.warn('looking for stale jobs at a job’s end failed; the next end or the sweep looks again', {
      err: String(err),
    });
  },
  progressWriteFailed(jobId, err) {
    logger.warn('a progress write failed', { jobId, err: String(err) });
  },
  cancelWatchFailed(jobId, err) {
    logger.warn('the cancel listener failed; the job can still end by its time limit', { jobId, err: String(err) });
  },
  httpInternalError(method, path, err) {
    logger.error('the HTTP API failed unexpectedly', { method, path, err: String(err) });
  },
};
