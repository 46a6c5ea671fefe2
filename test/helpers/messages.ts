/** Task messages as Pub/Sub delivers them to the worker. */
import type { SentJob } from '@async-jobs/contract';
import { taskMessage, type ReceivedMessage } from '../../library/src/adapters/pubsub/task-message';

/**
 * The publisher's message for a job, as the worker receives it (data base64-encoded). With `sent` (the job as the
 * write that sent it left it, as CapturingQueue keeps it) it is the message the core publishes, whose claim is one
 * fenced write; without, a message that only names the job, which the worker reads first (an older publisher's, or
 * a test's own).
 */
export function deliveredMessage(
  jobId: string,
  type = 'sleep',
  messageId = `m-${jobId}`,
  sent?: SentJob,
): ReceivedMessage {
  const { json, attributes } = taskMessage(jobId, type, sent);
  return { messageId, data: Buffer.from(JSON.stringify(json), 'utf8').toString('base64'), attributes };
}
