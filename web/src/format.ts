import type { Job } from '@async-jobs/client';

/** What a person reads for a callable's error code (FunctionsError `functions/<code>`), with the server's words. */
export function describeCallError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const detail = message ? `: ${message}` : '';
  switch (code?.replace(/^functions\//, '')) {
    case 'invalid-argument':
      return `That input is not valid${detail}`;
    case 'resource-exhausted':
      return `You have too many jobs running${detail}`;
    case 'unauthenticated':
      return 'You are not signed in; reload the page to sign in again.';
    case 'failed-precondition':
      return `That job cannot be changed now${detail}`;
    case 'not-found':
      return 'That job no longer exists.';
    case 'unavailable':
    case 'internal':
      return 'The service could not take the request; try again in a moment.';
    default:
      return `Something went wrong${detail}`;
  }
}

/** Milliseconds as "4.2 s", "1 min 05 s". */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** How long a job has taken: from start (or creation, while queued) to its end, or to `now` while not done. */
export function elapsedMs(job: Job, now: number): number {
  const from = (job.startTime ?? job.createTime)?.toMillis() ?? now;
  const to = job.done && job.doneTime ? job.doneTime.toMillis() : now;
  return Math.max(0, to - from);
}

/** The result or error cell's text. */
export function outcomeText(job: Job): string {
  if (job.state === 'COMPLETED') return typeof job.result === 'string' ? job.result : JSON.stringify(job.result);
  if (job.error) return `${job.error.code}: ${job.error.message}${job.done ? '' : ' (retrying)'}`;
  return '';
}

/** A job's steps in words, for its row: the step it is in and how many are done; empty for a job without steps. */
export function stepsText(job: Pick<Job, 'steps' | 'currentStep' | 'done'>): string {
  const done = job.steps?.length ?? 0;
  const current = job.done ? null : (job.currentStep ?? null);
  if (current === null && done === 0) return '';
  const count = `${done} step${done === 1 ? '' : 's'} done`;
  return current === null ? count : `in step ${current} · ${count}`;
}

/**
 * What a job that no worker holds now waits for, in words, with its due time counted down from `now` (epoch ms):
 * asleep, waiting for a signal, going on in a new invocation, or waiting out a retry's backoff; '' otherwise.
 */
export function waitText(
  job: Pick<Job, 'state' | 'waitReason' | 'currentStep' | 'dispatchTime' | 'done'>,
  now: number,
): string {
  if (job.done) return '';
  const due = job.dispatchTime ? formatDuration(job.dispatchTime.toMillis() - now) : undefined;
  switch (job.waitReason) {
    case 'sleep':
      return `asleep in ${job.currentStep ?? 'a sleep'}${due ? `, wakes in ${due}` : ''}`;
    case 'signal':
      return `waiting for ${job.currentStep ?? 'a signal'}${due ? ` (for up to ${due} more)` : ''}`;
    case 'continue':
      return 'going on in a new invocation';
    case 'retry-backoff':
      return `retrying${due ? ` in ${due}` : ''}`;
    case 'scheduled':
      return `starts${due ? ` in ${due}` : ' later'}`;
    case 'capacity':
      return job.state === 'RUNNING' ? 'waiting for a worker to go on' : 'waiting for a worker';
    default:
      return '';
  }
}
