import type { Millis } from '../core/job';
import type { Clock } from '../core/ports/clock';
import type { JobTimers } from '../core/ports/job-timers';

/** A timer a job asked for. */
export interface SetTimer {
  jobId: string;
  time: Millis;
  /** When it was set. */
  setAt: Millis;
}

/** Receives one wake-up (the wake function's entry, in a test or the simulation). */
export type WakeConsumer = (jobId: string) => unknown;

/**
 * JobTimers on a clock, as Cloud Tasks keeps them: each timer fires once at its time (or at once when that has
 * passed), calling the subscribed consumer; a timer whose time comes with no consumer waits for one. `lose` makes
 * the next timers accepted and never fire, as a lost task would (the sweep is then what wakes the job).
 */
export class MemoryJobTimers implements JobTimers {
  /** Every timer set, in order. */
  readonly set: SetTimer[] = [];
  /** What a consumer threw or rejected with, so no failure goes unseen. */
  readonly consumerErrors: unknown[] = [];
  private consumer: WakeConsumer | undefined;
  private readonly due: string[] = [];
  private toLose = 0;

  constructor(private readonly clock: Clock) {}

  /** Delivers each wake-up to `consumer` from now on (and those already due). */
  subscribe(consumer: WakeConsumer): void {
    this.consumer = consumer;
    for (const jobId of this.due.splice(0)) this.fire(jobId);
  }

  /** The next `count` timers set are accepted and never fire. */
  lose(count = 1): void {
    this.toLose += count;
  }

  wakeAt(jobId: string, time: Millis): Promise<void> {
    const now = this.clock.now();
    this.set.push({ jobId, time, setAt: now });
    if (this.toLose > 0) {
      this.toLose -= 1;
      return Promise.resolve();
    }
    this.clock.setTimer(Math.max(0, time - now), () => this.fire(jobId));
    return Promise.resolve();
  }

  private fire(jobId: string): void {
    if (!this.consumer) {
      this.due.push(jobId);
      return;
    }
    try {
      void Promise.resolve(this.consumer(jobId)).catch((e: unknown) => this.consumerErrors.push(e));
    } catch (e) {
      this.consumerErrors.push(e);
    }
  }
}
