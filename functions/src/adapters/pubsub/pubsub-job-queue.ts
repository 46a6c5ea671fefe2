import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { JobQueue } from '../../core/ports/job-queue';
import { taskMessage } from './task-message';

/** The job queue on Pub/Sub: one task message per job (or retry) on the jobs topic, which triggers the worker. */
export class PubSubJobQueue implements JobQueue {
  private readonly topic: Topic;

  constructor(pubsub: PubSub, topicName: string) {
    // A callable publishes one message and waits for it; batching would only add its delay.
    this.topic = pubsub.topic(topicName, { batching: { maxMessages: 1 } });
  }

  /** Publishes the job's task message; resolves with the Pub/Sub message id. */
  async publish(jobId: string, type: string): Promise<string> {
    return this.topic.publishMessage(taskMessage(jobId, type));
  }
}
