import type { Millis } from '../job';
import { resumeJob, type ResumeOutcome } from '../protocol/resume';
import { deadlineAfter } from '../store/store-access';
import { MAX_TOTAL_TIMEOUT_SECONDS, taskTimeLimits } from '../tasks/task';
import { dispatchAfterQueued, type CoreDeps } from './dispatch';

/**
 * A suspended job's wake-up (its timer, the sweep, or its own worker for a continuation): once due, it joins its
 * pool's queue at its owner's next turn (protocol/resume.ts) and, when a slot is free, is sent at once. A wake-up
 * that comes early changes nothing and says when the job is due.
 */
export async function wakeJob(deps: CoreDeps, jobId: string, deadline: Millis = deadlineAfter(deps.access)) {
  const settings = { retentionDays: deps.retentionDays(), jobLimitMs: (type: string) => jobLimitMs(deps, type) };
  const outcome: ResumeOutcome = await resumeJob(deps.access, jobId, settings, deadline);
  if (outcome.kind === 'queued') await dispatchAfterQueued(deps, outcome.pool, 1, deadline);
  return outcome;
}

/** A task type's time limit over all its invocations (the longest a job's steps are kept for, beyond it). */
export function jobLimitMs(deps: Pick<CoreDeps, 'tasks'>, type: string): number {
  const task = deps.tasks.get(type);
  return task ? taskTimeLimits(task).totalMs : MAX_TOTAL_TIMEOUT_SECONDS * 1000;
}

/**
 * Sets the timer that wakes a job at `dueAt`, never throwing: a timer that cannot be set is logged, and the sweep
 * wakes the job once it is past due (by up to its period and the dispatch grace).
 */
export async function setWakeTimer(deps: Pick<CoreDeps, 'timers' | 'log'>, jobId: string, dueAt: Millis) {
  try {
    await deps.timers.wakeAt(jobId, dueAt);
  } catch (e) {
    deps.log.timerFailed(jobId, e);
  }
}
