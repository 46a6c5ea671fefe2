import type { SentJob } from '@async-jobs/contract';
import type { Millis } from '../core/job';
import type { Clock } from '../core/ports/clock';
import type { Unsubscribe } from '../core/ports/document-store';
import type { JobQueue } from '../core/ports/job-queue';
import type { Caller } from './simulated-process';

/** A task message the queue accepted. */
export interface QueuedMessage {
  messageId: string;
  jobId: string;
  type: string;
  /** The job as the write that sent it left it. */
  sent: SentJob;
  publishTime: Millis;
}

/**
 * How a publish is lost: `reject` fails the publish (the publisher knows, as when Pub/Sub is unreachable); `drop`
 * accepts it and never delivers it (nobody knows, as a crash between the write and the publish leaves it); `hang`
 * never answers and never delivers (the Pub/Sub client retrying for minutes).
 */
export type PublishLoss = 'reject' | 'drop' | 'hang';

/** Receives one delivery of a message (the worker, in a test or the simulation). */
export type MessageConsumer = (message: QueuedMessage) => unknown;

export interface DuplicateOptions {
  /** How long after the first delivery each extra one comes; 0 (at the same instant) by default. */
  delayMs?: number;
  /** Extra deliveries per message; 1 by default. */
  copies?: number;
}

/** Deliveries of one message at one instant. */
interface Delivery {
  message: QueuedMessage;
  /** How many times the message is delivered at that instant. */
  count: number;
  /** Delay after the queue's own delivery delay. */
  extraDelayMs: number;
}

/**
 * The JobQueue in memory, with Pub/Sub's failures on demand: it records every message it accepts, can lose the
 * next publishes (rejected or silently dropped) and deliver the next ones more than once (at once or late). A
 * subscribed consumer gets each delivery on the clock, `delayMs` after the publish; until one subscribes,
 * deliveries wait, and a test can take them and deliver them by hand.
 */
export class MemoryJobQueue implements JobQueue {
  /** Every message accepted, a dropped one included, in order. */
  readonly published: QueuedMessage[] = [];
  /** Publishes refused by an injected loss (`reject`). */
  readonly rejected: { jobId: string; type: string; time: Millis }[] = [];
  /** Messages accepted and never delivered (`drop`). */
  readonly dropped: QueuedMessage[] = [];
  /** What a consumer threw or rejected with, so no failure goes unseen. */
  readonly consumerErrors: unknown[] = [];
  private readonly waiting: Delivery[] = [];
  private readonly losses: PublishLoss[] = [];
  private readonly duplicates: { delayMs: number; copies: number }[] = [];
  private consumer: { deliver: MessageConsumer; delayMs: number } | undefined;
  private nextId = 1;

  constructor(private readonly clock: Clock) {}

  async publish(jobId: string, type: string, sent: SentJob): Promise<string> {
    await Promise.resolve(); // a publish answers asynchronously, as Pub/Sub's does
    const loss = this.losses.shift();
    if (loss === 'hang') return new Promise<string>(() => undefined);
    if (loss === 'reject') {
      this.rejected.push({ jobId, type, time: this.clock.now() });
      throw new Error(`injected: the publish of job ${jobId} failed`);
    }
    const message: QueuedMessage = {
      messageId: String(this.nextId++),
      jobId,
      type,
      sent: structuredClone(sent),
      publishTime: this.clock.now(),
    };
    this.published.push(message);
    if (loss === 'drop') {
      this.dropped.push(message);
      return message.messageId;
    }
    const duplicate = this.duplicates.shift();
    const copies = duplicate?.copies ?? 0;
    // The copies due at the same instant as the first delivery are delivered with it, in one go, so two workers
    // handle the message truly at once; late copies come together, later.
    const atOnce = duplicate?.delayMs === 0 ? copies : 0;
    this.enqueue({ message, count: 1 + atOnce, extraDelayMs: 0 });
    if (copies > atOnce) this.enqueue({ message, count: copies, extraDelayMs: duplicate?.delayMs ?? 0 });
    return message.messageId;
  }

  /** The next `count` publishes are lost, as `loss` says. */
  loseNextPublishes(count: number, loss: PublishLoss): this {
    for (let i = 0; i < count; i++) this.losses.push(loss);
    return this;
  }

  /** The next `count` messages accepted are delivered more than once. */
  duplicateNextPublishes(count: number, options: DuplicateOptions = {}): this {
    for (let i = 0; i < count; i++)
      this.duplicates.push({ delayMs: options.delayMs ?? 0, copies: options.copies ?? 1 });
    return this;
  }

  /**
   * Delivers every message to `deliver` on the clock, `delayMs` after its publish (after this call, for one that
   * was waiting). One consumer at a time; unsubscribing makes deliveries wait again.
   */
  subscribe(deliver: MessageConsumer, options: { delayMs?: number } = {}): Unsubscribe {
    const consumer = { deliver, delayMs: options.delayMs ?? 0 };
    this.consumer = consumer;
    for (const delivery of this.waiting.splice(0)) this.schedule(consumer, delivery);
    return () => {
      if (this.consumer === consumer) this.consumer = undefined;
    };
  }

  /** Takes the deliveries waiting for a consumer, for a test that delivers them itself. */
  takeWaiting(): QueuedMessage[] {
    return this.waiting.splice(0).flatMap(({ message, count }) => Array.from({ length: count }, () => message));
  }

  /** The queue as a simulated process reaches it: once the process is killed, it publishes nothing. */
  forProcess(caller: Caller): JobQueue {
    return {
      publish: (jobId, type, sent) =>
        caller.guard(caller.isAlive() ? this.publish(jobId, type, sent) : Promise.resolve('not published')),
    };
  }

  private enqueue(delivery: Delivery): void {
    if (this.consumer) this.schedule(this.consumer, delivery);
    else this.waiting.push(delivery);
  }

  private schedule(consumer: { deliver: MessageConsumer; delayMs: number }, delivery: Delivery): void {
    this.clock.setTimer(consumer.delayMs + delivery.extraDelayMs, () => {
      for (let n = 0; n < delivery.count; n++) {
        try {
          Promise.resolve(consumer.deliver(delivery.message)).catch((e: unknown) => this.consumerErrors.push(e));
        } catch (e) {
          this.consumerErrors.push(e);
        }
      }
    });
  }
}
