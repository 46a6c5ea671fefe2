import type { SentJob } from '@async-jobs/contract';
import { taskMessage } from '../../library/src/adapters/pubsub/task-message';
import type { SimulatedClock } from '../../library/src/testing/simulated-clock';
import type { RandomSource } from '../../library/src/testing/seeded-random';
import type { JobQueue } from '../../library/src/core/ports/job-queue';
import type { SimulatedProcess } from '../../library/src/testing/simulated-process';
import type { CloudRunService } from './cloud-run-service';

/** What happens to a push that failed (429, or an instance that died). */
export interface PushRetryPolicy {
  /** `retry: true` on the trigger: Pub/Sub redelivers with backoff. `false`: the event is delivered once. */
  retry: boolean;
  /** Pub/Sub's backoff between redeliveries of one message: from 10 s, doubling, to at most 600 s. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** How long Pub/Sub keeps an unacknowledged message (24 h). */
  retentionMs: number;
}

/** Faults of the messaging path, as fractions. */
export interface MessageFaults {
  /** Publishes that are lost (the publish answers, the message is never delivered). */
  lostPublishRate: number;
  /** Deliveries Pub/Sub makes twice (at-least-once delivery). */
  duplicateDeliveryRate: number;
  /** The longest a duplicate comes after the first delivery (drawn uniformly up to it). */
  duplicateMaxDelayMs: number;
}

/** Counts of what the topic did. */
export interface TopicStats {
  published: number;
  lost: number;
  deliveries: number;
  duplicates: number;
  redeliveries: number;
  /** Messages given up: a failed push without retry, or retention run out. */
  dropped: number;
}

/** The message as the worker's entry receives it (base64 JSON data, the job id attribute). */
export interface PushedMessage {
  messageId: string;
  data: string;
  attributes: Record<string, string>;
}

/**
 * The jobs topic and its push subscription to the worker's Cloud Run service: a publish is delivered about
 * `deliveryMs` later; a push that fails is redelivered with exponential backoff under `retry: true`, dropped
 * otherwise; some publishes are lost and some deliveries doubled, as injected.
 */
export class PubSubPush implements JobQueue {
  readonly stats: TopicStats = { published: 0, lost: 0, deliveries: 0, duplicates: 0, redeliveries: 0, dropped: 0 };
  private nextId = 1;

  constructor(
    private readonly clock: SimulatedClock,
    private readonly service: CloudRunService,
    /** The subscriber's function: the worker's entry for one delivered message, in the request's process. */
    private readonly handle: (message: PushedMessage, process: SimulatedProcess) => Promise<void>,
    private readonly policy: PushRetryPolicy,
    private readonly faults: MessageFaults,
    private readonly random: RandomSource,
    private readonly deliveryMs = 50,
  ) {}

  publish(jobId: string, type: string, sent: SentJob): Promise<string> {
    const messageId = String(this.nextId++);
    this.stats.published += 1;
    if (this.random() < this.faults.lostPublishRate) {
      this.stats.lost += 1;
      return Promise.resolve(messageId);
    }
    const { json, attributes } = taskMessage(jobId, type, sent);
    const message: PushedMessage = {
      messageId,
      data: Buffer.from(JSON.stringify(json), 'utf8').toString('base64'),
      attributes,
    };
    const publishedAt = this.clock.now();
    this.clock.setTimer(this.deliveryMs, () => this.push(message, publishedAt, 0));
    if (this.random() < this.faults.duplicateDeliveryRate) {
      this.stats.duplicates += 1;
      const late = this.random() * this.faults.duplicateMaxDelayMs;
      this.clock.setTimer(this.deliveryMs + late, () => this.push(message, publishedAt, 0));
    }
    return Promise.resolve(messageId);
  }

  private push(message: PushedMessage, publishedAt: number, failures: number): void {
    this.stats.deliveries += 1;
    void this.service
      .request((process) => this.handle(message, process))
      .then((outcome) => {
        if (outcome === 'ok') return;
        const backoff = Math.min(this.policy.maxBackoffMs, this.policy.minBackoffMs * 2 ** failures);
        const keep = this.policy.retry && this.clock.now() + backoff - publishedAt < this.policy.retentionMs;
        if (!keep) {
          this.stats.dropped += 1;
          return;
        }
        this.stats.redeliveries += 1;
        this.clock.setTimer(backoff, () => this.push(message, publishedAt, failures + 1));
      });
  }
}
