import { parseTaskMessage, type ReceivedMessage } from '../adapters/pubsub/task-message';
import { runDelivery, type WorkerDeps } from '../core/worker/run-delivery';

/**
 * The worker's entry: one delivered Pub/Sub message. A message that cannot name a job (no `jobId`, data it cannot
 * parse) is poison: logged and acknowledged by returning normally, since retrying it could only fail again. The
 * rest is the core's runDelivery, which never throws for a job's own failure.
 */
export async function handleTaskMessage(message: ReceivedMessage, deps: WorkerDeps): Promise<void> {
  const parsed = parseTaskMessage(message);
  if (!parsed.ok) return deps.log.poisonMessage(message.messageId, parsed.reason);
  await runDelivery(parsed.jobId, parsed.type, parsed.sent, message.messageId, deps);
}
