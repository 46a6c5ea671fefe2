import type { WakeTaskData } from '../adapters/cloud-tasks/cloud-tasks-job-timers';
import { sleep } from '../core/ports/clock';
import type { CoreDeps } from '../core/use-cases/dispatch';
import { wakeJob } from '../core/use-cases/wake';

/**
 * How long a wake-up that comes early waits for its job's time in the same invocation (the wake function's timeout,
 * 540 s, less a margin). Cloud Tasks dispatches a task at its schedule time, so in production an early wake-up is one
 * at the 30-day limit of a longer sleep; the Cloud Tasks emulator of firebase-tools 14 ignores schedule times and
 * dispatches every task at once, so on the emulator suite a sleep's wake-up waits here, in steps of this long, each
 * step's end setting the next timer. Either way the job holds no worker slot and no worker instance while it waits.
 */
export const EARLY_WAKE_WAIT_MS = 480_000;

/** Whether a task's body names a job. */
function isWakeTaskData(data: unknown): data is WakeTaskData {
  return typeof data === 'object' && data !== null && typeof (data as { jobId?: unknown }).jobId === 'string';
}

/**
 * The wake function's entry: one wake-up task. A due job joins its pool's queue (use-cases/wake.ts); one not due
 * yet is waited for (up to EARLY_WAKE_WAIT_MS) or gets a timer for later. A task that names no job is logged and
 * dropped. A failure throws, and Cloud Tasks tries the task again with the queue's backoff.
 */
export async function handleWakeTask(data: unknown, deps: CoreDeps, waitMs = EARLY_WAKE_WAIT_MS): Promise<void> {
  if (!isWakeTaskData(data)) return deps.log.poisonMessage(undefined, 'a wake-up task that names no job');
  const { clock } = deps.access;
  const woken = await wakeJob(deps, data.jobId);
  if (woken.kind !== 'not-due') return;
  const wait = woken.dueAt - clock.now();
  if (wait > waitMs) {
    await sleep(clock, waitMs);
    await deps.timers.wakeAt(data.jobId, woken.dueAt);
    return;
  }
  await sleep(clock, Math.max(0, wait));
  await wakeJob(deps, data.jobId);
}
