import type { JobProgress } from '@async-jobs/contract';
import { truncate } from '../truncate';

/**
 * Decides which progress reports reach the job document: at most one write per `intervalMs`, counted from
 * `lastWriteAt` (the job's last write before the first report, if any), and the last value always (flushed when
 * the interval allows, or at the end). Pure: the clock is passed in.
 */
export class ProgressThrottle {
  private pending: JobProgress | undefined;

  constructor(
    private readonly intervalMs: number,
    private lastWriteAt = Number.NEGATIVE_INFINITY,
  ) {}

  /** Offers a report at time `now`; returns it if it should be written now, else keeps it as pending. */
  offer(progress: JobProgress, now: number): JobProgress | undefined {
    if (now - this.lastWriteAt >= this.intervalMs) {
      this.lastWriteAt = now;
      this.pending = undefined;
      return progress;
    }
    this.pending = progress;
    return undefined;
  }

  /** When the pending report may be written (undefined when nothing is pending). */
  nextWriteAt(): number | undefined {
    return this.pending ? this.lastWriteAt + this.intervalMs : undefined;
  }

  /** Takes the pending report to write it at `now` (a timer fired, or the job is ending). */
  takePending(now: number): JobProgress | undefined {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      this.lastWriteAt = now;
    }
    return pending;
  }
}

/** The longest progress message stored. */
export const MAX_PROGRESS_MESSAGE_LENGTH = 200;

/**
 * Clamps a reported percent into 0–100 (NaN becomes 0, ±Infinity the nearer end), rounds it to a tenth (a
 * reader never wants 55.00000000000001), and trims the message.
 */
export function normaliseProgress(percent: number, message?: string): JobProgress {
  const clamped = Number.isNaN(percent) ? 0 : Math.round(Math.min(100, Math.max(0, percent)) * 10) / 10;
  return message === undefined
    ? { percent: clamped }
    : { percent: clamped, message: truncate(message, MAX_PROGRESS_MESSAGE_LENGTH) };
}
