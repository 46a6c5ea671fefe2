import type { Job } from './types.js';

/** waitForJob's rejection for a job that ended FAILED: `job.error` says why. */
export class JobFailedError extends Error {
  readonly code: string;

  constructor(
    readonly jobId: string,
    readonly job: Job,
  ) {
    super(`job ${jobId} failed: ${job.error?.code ?? 'unknown'}: ${job.error?.message ?? ''}`);
    this.name = 'JobFailedError';
    this.code = job.error?.code ?? 'unknown';
  }
}

/** waitForJob's rejection for a job that ended CANCELLED. */
export class JobCancelledError extends Error {
  constructor(
    readonly jobId: string,
    readonly job: Job,
  ) {
    super(`job ${jobId} was cancelled`);
    this.name = 'JobCancelledError';
  }
}

/** waitForJob's rejection when `timeoutMs` passed first; the job goes on. */
export class JobWaitTimeoutError extends Error {
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
    readonly lastSeen: Job | undefined,
  ) {
    super(`job ${jobId} was not done after ${timeoutMs} ms (last seen ${lastSeen?.state ?? 'nothing yet'})`);
    this.name = 'JobWaitTimeoutError';
  }
}
