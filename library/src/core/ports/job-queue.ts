/** Where a job is sent to be run: the worker is on the other end (Pub/Sub in functions). */
export interface JobQueue {
  /** Sends the job to a worker; resolves with the message id once the queue has it. */
  publish(jobId: string, type: string): Promise<string>;
}
