import type { TaskMessageData } from '@async-jobs/contract';
import { isJobId } from '../../core/job-id';

/**
 * The Pub/Sub message that asks a worker to run a job (@async-jobs/contract's TaskMessageData): JSON data
 * `{ jobId, type }` and the job id in the `jobId` attribute (the seed's contract). The job document stays the
 * source of truth; the worker reads the input from it, never from the message.
 */
export const JOB_ID_ATTRIBUTE = 'jobId';

/** The parts of a received Pub/Sub message the worker looks at. */
export interface ReceivedMessage {
  messageId?: string;
  /** base64 of the payload, as Pub/Sub delivers it. */
  data?: string;
  attributes?: Record<string, string>;
}

export type ParsedTaskMessage = { ok: true; jobId: string } | { ok: false; reason: string };

/** What the publisher sends for a job. */
export function taskMessage(
  jobId: string,
  type: string,
): { json: TaskMessageData; attributes: Record<string, string> } {
  return { json: { jobId, type }, attributes: { [JOB_ID_ATTRIBUTE]: jobId } };
}

/**
 * Reads the job id out of a delivered message, or says why the message is poison (to be logged and
 * acknowledged, never retried: a retry of a malformed message can only fail again).
 */
export function parseTaskMessage(message: ReceivedMessage): ParsedTaskMessage {
  const jobId = message.attributes?.[JOB_ID_ATTRIBUTE];
  if (!jobId) return { ok: false, reason: `no "${JOB_ID_ATTRIBUTE}" attribute` };
  if (!isJobId(jobId)) {
    return { ok: false, reason: `"${JOB_ID_ATTRIBUTE}" attribute is not a document id` };
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(message.data ?? '', 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'data is not JSON' };
  }
  if (typeof data !== 'object' || data === null || (data as Partial<TaskMessageData>).jobId !== jobId) {
    return { ok: false, reason: 'data does not name the same job as the attribute' };
  }
  return { ok: true, jobId };
}
