/**
 * The Pub/Sub message that asks a worker to run a job: JSON data and the job id in the `jobId` attribute (the seed's
 * contract). The data is the job as it was sent: its version (the update time of the write that sent it) and what
 * the worker needs to run it. The worker's claim is a write fenced on that version, so it succeeds only if the
 * document is still exactly as sent, and then needs no read; a stale or duplicate message fails the fence, and the
 * worker reads the document, which stays the source of truth.
 */
export interface TaskMessageData {
  jobId: string;
  type: string;
  /** The job as the write that sent it left it; absent in a message that only names the job (read it). */
  sent?: SentJob;
}

/** The fields of a job the worker runs it with, as of the write that sent it. */
export interface SentJob {
  /** The document's version after that write (its update time, `seconds.nanoseconds`). */
  version: string;
  owner: string;
  pool: string;
  input: Record<string, unknown>;
  /** Claims made before this one. */
  attempts: number;
  /** The worker slot the job holds, if any. */
  slot: number | null;
  /** Epoch ms. */
  createTime: number;
  /** Epoch ms: when the job may run (a retry's backoff ends then). */
  dispatchTime: number;
  /**
   * True for a job that goes on from where an earlier invocation of the same attempt stopped (a continuation, a
   * sleep that ended): the claim keeps its attempt and start time, and the handler finds its steps done.
   */
  continues?: boolean;
  /** Epoch ms: when the attempt a continuation goes on with started. */
  startTime?: number;
}
