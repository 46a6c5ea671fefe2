import type { SentJob } from '@async-jobs/contract';
import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { JobQueue } from '../../core/ports/job-queue';
import { taskMessage } from './task-message';

/**
 * The job queue on Pub/Sub: one task message per job (or retry) on the topic of the job's pool, which triggers the
 * pool's worker. The core bounds how long it waits for a publish (core/use-cases/dispatch.ts).
 */
export class PubSubJobQueue implements JobQueue {
  private readonly topics = new Map<string, Topic>();

  constructor(
    private readonly pubsub: PubSub,
    /** The topic a job of `pool` is sent on. */
    private readonly topicFor: (pool: string) => string,
  ) {}

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      // A callable publishes one message and waits for it; batching would only add its delay.
      topic = this.pubsub.topic(name, { batching: { maxMessages: 1 } });
      this.topics.set(name, topic);
    }
    return topic;
  }

  /** Publishes the job's task message on its pool's topic; resolves with the Pub/Sub message id. */
  async publish(jobId: string, type: string, sent: SentJob): Promise<string> {
    return this.topic(this.topicFor(sent.pool)).publishMessage(taskMessage(jobId, type, sent));
  }
}
