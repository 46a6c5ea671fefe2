import type { Job } from '@async-jobs/client';

/** A line of a job's history: what happened, and when (epoch ms), in the order it happened. */
export interface HistoryEntry {
  time: number | undefined;
  text: string;
}

/** A Firestore Timestamp as epoch ms, or undefined for a time not set. */
function millis(time: { toMillis(): number } | null | undefined): number | undefined {
  return time ? time.toMillis() : undefined;
}

/**
 * A job's history as its document tells it: the document keeps the current (or last) attempt, not a log of every
 * attempt, so the history is its creation, how many attempts a worker claimed, the last attempt's start, its last
 * error (for a job queued again, the error of the attempt that failed for now), its steps, and its end.
 */
export function jobHistory(job: Job): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  const created = millis(job.createTime);
  entries.push({
    time: created,
    text: job.retryOf ? `created by an operator's retry of ${job.retryOf}` : `created by ${job.owner}`,
  });
  if (job.attempts > 0) {
    const started = millis(job.startTime);
    entries.push({ time: started, text: `attempt ${job.attempts} started (${job.attempts} claimed by a worker)` });
  }
  for (const step of job.steps ?? []) entries.push({ time: undefined, text: `step ${step} done` });
  if (!job.done && job.error) {
    entries.push({
      time: millis(job.updateTime),
      text: `attempt failed for now: ${job.error.code}: ${job.error.message}`,
    });
  }
  if (job.done) {
    const outcome = job.error ? `: ${job.error.code}: ${job.error.message}` : '';
    entries.push({ time: millis(job.doneTime), text: `ended ${job.state}${outcome}` });
  } else if (job.cancelRequested) {
    entries.push({ time: millis(job.updateTime), text: 'cancel requested; its worker stops it' });
  }
  return entries;
}

/** A value the Firestore SDK reads as a time (its Timestamp). */
function isTimestamp(value: unknown): value is { toDate(): Date } {
  return typeof value === 'object' && value !== null && typeof (value as { toDate?: unknown }).toDate === 'function';
}

/**
 * A document's fields as indented JSON, its times as ISO 8601 strings. The replacer reads each value from its holder
 * (`this`), before JSON.stringify has applied the value's own toJSON (a Timestamp's gives `{ seconds, nanoseconds }`).
 */
export function documentJson(document: object): string {
  return JSON.stringify(
    document,
    function (this: Record<string, unknown>, key: string, value: unknown) {
      const original = this[key];
      return isTimestamp(original) ? original.toDate().toISOString() : value;
    },
    2,
  );
}
