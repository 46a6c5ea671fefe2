import { normaliseProgress, ProgressThrottle } from '../job/progress-throttle';
import type { JobProgress } from '../job/job-document';
import type { AttemptRef } from './job-store';

/** Writes one progress report; resolves when it is stored (or refused because the attempt is over). */
export type ProgressWriter = (progress: JobProgress) => Promise<unknown>;

/**
 * The handler's `progress()`: throttled writes (one per interval at most, the last always written), one at a
 * time, never throwing into the handler. `close()` writes what is pending and waits for every write; after it,
 * reports are dropped, so a handler that outlives its attempt (it ignored its abort signal) writes nothing.
 */
export class ProgressReporter {
  private readonly throttle: ProgressThrottle;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Progress writes made, for logs and tests. */
  writes = 0;

  constructor(
    readonly attempt: AttemptRef,
    private readonly write: ProgressWriter,
    intervalMs: number,
    private readonly onError: (e: unknown) => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.throttle = new ProgressThrottle(intervalMs);
  }

  /** The function handed to the task as `context.progress`. */
  readonly report = (percent: number, message?: string): void => {
    if (this.closed) return;
    const now = this.clock();
    const due = this.throttle.offer(normaliseProgress(percent, message), now);
    if (due) {
      // Written now: a timer set for an earlier deferred report would otherwise fire inside the new interval.
      clearTimeout(this.timer);
      this.timer = undefined;
      this.enqueue(due);
    } else this.schedule(now);
  };

  private schedule(now: number): void {
    const at = this.throttle.nextWriteAt();
    if (this.timer || at === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const pending = this.throttle.takePending(this.clock());
      if (pending) this.enqueue(pending);
    }, at - now);
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

  /** Writes the pending report, if any, and waits for all writes. Call before the job's next state change. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.throttle.takePending(this.clock());
    if (pending) this.enqueue(pending);
    await this.chain;
  }
}
