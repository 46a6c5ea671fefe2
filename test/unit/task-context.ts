import type { JobProgress } from '@async-jobs/contract';
import type { TaskContext } from '../../library/src/core/tasks/task';

/**
 * A TaskContext for calling a handler directly, recording its progress reports in `reports`; its steps just run
 * its sleeps return at once and its waits for a signal time out at once (nothing is stored: the worker's StepRunner is tested on its own).
 */
export function taskContext(
  signal: AbortSignal = new AbortController().signal,
  onProgress?: (report: JobProgress) => void,
) {
  const reports: JobProgress[] = [];
  const context: TaskContext = {
    jobId: 'job-1',
    attempt: 1,
    idempotencyKey: 'job-1',
    attemptIdempotencyKey: 'job-1:1',
    signal,
    progress(percent, message) {
      const report = message === undefined ? { percent } : { percent, message };
      reports.push(report);
      onProgress?.(report);
    },
    step: (_name, body) => body(),
    // A sleep here does not wait: a handler called directly runs straight through.
    sleep: () => Promise.resolve(),
    sleepUntil: () => Promise.resolve(),
    // Nobody sends a signal to a handler called directly: every wait times out.
    waitForSignal: () => Promise.resolve({ received: false }),
  };
  return { context, reports };
}
