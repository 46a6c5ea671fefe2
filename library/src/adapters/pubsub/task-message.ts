import type { SentJob, TaskMessageData } from '@async-jobs/contract';
import { isJobId } from '../../core/job-id';

/**
 * The Pub/Sub message that asks a worker to run a job (@async-jobs/contract's TaskMessageData): JSON data
 * `{ jobId, type, sent }` and the job id in the `jobId` attribute (the seed's contract).
 */
export const JOB_ID_ATTRIBUTE = 'jobId';

/** The parts of a received Pub/Sub message the worker looks at. */
export interface ReceivedMessage {
  messageId?: string;
  /** base64 of the payload, as Pub/Sub delivers it. */
  data?: string;
  attributes?: Record<string, string>;
}

export type ParsedTaskMessage =
  { ok: true; jobId: string; type: string; sent: SentJob | undefined } | { ok: false; reason: string };

/** What the publisher sends for a job. */
export function taskMessage(
  jobId: string,
  type: string,
  sent?: SentJob,
): { json: TaskMessageData; attributes: Record<string, string> } {
  return { json: { jobId, type, ...(sent ? { sent } : {}) }, attributes: { [JOB_ID_ATTRIBUTE]: jobId } };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The job as sent, when the message carries it whole; undefined otherwise, and the worker reads the job instead (a
 * message of an older version, or one whose snapshot is damaged, still runs its job).
 */
function sentOf(value: unknown): SentJob | undefined {
  if (!isObject(value)) return undefined;
  const { version, owner, pool, input, attempts, slot, createTime, dispatchTime, continues, startTime } = value;
  const ok =
    typeof version === 'string' &&
    typeof owner === 'string' &&
    typeof pool === 'string' &&
    isObject(input) &&
    typeof attempts === 'number' &&
    (slot === null || typeof slot === 'number') &&
    typeof createTime === 'number' &&
    typeof dispatchTime === 'number';
  if (!ok) return undefined;
  const sent: SentJob = { version, owner, pool, input, attempts, slot, createTime, dispatchTime };
  // A continuation's claim keeps its attempt and start time: without both, the worker reads the job instead.
  if (continues === true) return typeof startTime === 'number' ? { ...sent, continues, startTime } : undefined;
  return sent;
}

/**
 * Reads the job out of a delivered message, or says why the message is poison (to be logged and acknowledged,
 * never retried: a retry of a malformed message can only fail again).
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
  if (!isObject(data) || data.jobId !== jobId) {
    return { ok: false, reason: 'data does not name the same job as the attribute' };
  }
  const type = typeof data.type === 'string' ? data.type : '';
  return { ok: true, jobId, type, sent: sentOf(data.sent) };
}
