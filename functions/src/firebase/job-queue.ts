import type { PubSub, Topic } from '@google-cloud/pubsub';
import { taskMessage } from '../job/task-message';

/** Where task messages go; the worker is on the other end. */
export interface TaskQueue {
  /** Publishes the job's task message; resolves with the message id. */
  publish(jobId: string, type: string): Promise<string>;
}

/** The Pub/Sub side of job creation: one message per job, on the jobs topic. */
export class JobQueue implements TaskQueue {
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
