import type { SentJob } from '@async-jobs/contract';

/** Where a job is sent to be run: its pool's worker is on the other end (Pub/Sub in functions). */
export interface JobQueue {
  /**
   * Sends the job, as the write that sent it left it, to its pool's worker; resolves with the message id once the
   * queue has it.
   */
  publish(jobId: string, type: string, sent: SentJob): Promise<string>;
}
