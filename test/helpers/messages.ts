/** Task messages as Pub/Sub delivers them to the worker. */
import { taskMessage, type ReceivedMessage } from '../../library/src/adapters/pubsub/task-message';

/** The publisher's message for a job, as the worker receives it (data base64-encoded). */
export function deliveredMessage(jobId: string, type = 'sleep', messageId = `m-${jobId}`): ReceivedMessage {
  const { json, attributes } = taskMessage(jobId, type);
  return { messageId, data: Buffer.from(JSON.stringify(json), 'utf8').toString('base64'), attributes };
}
