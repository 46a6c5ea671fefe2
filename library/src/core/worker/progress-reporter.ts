import type { JobProgress } from '@async-jobs/contract';
import type { Clock } from '../ports/clock';
import { normaliseProgress, ProgressThrottle } from './progress-throttle';

/** Writes one progress report; resolves when it is stored (or refused because the attempt is over). */
export type ProgressWriter = (progress: JobProgress) => Promise<unknown>;

/**
 * The handler's `progress()`: throttled writes (one per interval at most, the last always written or handed to the
 * job's end), one at a time, never throwing into the handler. The write an interval allows is made `settleMs` after
 * it is allowed, with the newest report by then, so the report a handler makes just before it returns (its 100 %)
 * rides on the end's write instead of a write of its own. After `close()`, reports are dropped, so a handler that
 * outlives its attempt (it ignored its abort signal) writes nothing.
 */
export class ProgressReporter {
  private readonly throttle: ProgressThrottle;
  private cancelTimer: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** The write an interval allowed, until it is made `settleMs` later: a newer report replaces its progress. */
  private held: { progress: JobProgress; cancel: () => void } | undefined;
  /** Progress writes made, for logs and tests. */
  writes = 0;

  /**
   * `jobWrittenAt`: when the job document was last written before the first report (the claim that started the
   * attempt): the first report is written at once only an interval after it, as the document's write rate is what
   * the interval bounds. `settleMs`: how long the write an interval allows waits before it is made.
   */
  constructor(
    private readonly write: ProgressWriter,
    intervalMs: number,
    private readonly onError: (e: unknown) => void,
    private readonly clock: Clock,
    jobWrittenAt?: number,
    private readonly settleMs = 0,
  ) {
    this.throttle = new ProgressThrottle(intervalMs, jobWrittenAt);
  }

  /** The function handed to the task as `context.progress`. */
  readonly report = (percent: number, message?: string): void => {
    if (this.closed) return;
    const progress = normaliseProgress(percent, message);
    if (this.held) {
      // The interval's write, not made yet, carries the newest report.
      this.held.progress = progress;
      return;
    }
    const now = this.clock.now();
    const due = this.throttle.offer(progress, now);
    if (due) {
      // Let through: a timer set for an earlier deferred report would otherwise fire inside the new interval.
      this.stopTimer();
      this.release(due);
    } else this.schedule(now);
  };

  /** Writes a report the throttle let through: at once, or once it has settled. */
  private release(progress: JobProgress): void {
    if (this.settleMs <= 0) {
      this.enqueue(progress);
      return;
    }
    const held = { progress, cancel: () => undefined as void };
    held.cancel = this.clock.setTimer(this.settleMs, () => {
      this.held = undefined;
      this.enqueue(held.progress);
    });
    this.held = held;
  }

  private stopTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private schedule(now: number): void {
    const at = this.throttle.nextWriteAt();
    if (this.cancelTimer || at === undefined) return;
    this.cancelTimer = this.clock.setTimer(at - now, () => {
      this.cancelTimer = undefined;
      const pending = this.throttle.takePending(this.clock.now());
      if (pending) this.release(pending);
    });
  }

  private enqueue(progress: JobProgress): void {
    this.writes += 1;
    this.chain = this.chain
      .then(() => this.write(progress))
      .then(
        () => undefined,
        (e: unknown) => this.onError(e),
      );
  }

  /**
   * Stops reporting and waits for all writes. Call before the job's next state change. The pending report, if any,
   * is written first, or with `keepLast`, returned instead: the write that ends the job carries it, one write
   * fewer for every job that reports progress to its end.
   */
  async close(options: { keepLast?: boolean } = {}): Promise<JobProgress | undefined> {
    this.closed = true;
    this.stopTimer();
    const held = this.held?.progress;
    this.held?.cancel();
    this.held = undefined;
    // A report is either held or deferred by the throttle, never both.
    const last = held ?? this.throttle.takePending(this.clock.now());
    if (last && !options.keepLast) this.enqueue(last);
    await this.chain;
    return options.keepLast ? last : undefined;
  }
}
