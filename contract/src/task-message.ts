/**
 * The Pub/Sub message that asks a worker to run a job: JSON data `{ jobId, type }` and the job id in the `jobId`
 * attribute. The job document stays the source of truth; the worker reads the input from it, never from the
 * message.
 */
export interface TaskMessageData {
  jobId: string;
  type: string;
}
