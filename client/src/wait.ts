import type { Firestore, FirestoreError } from 'firebase/firestore';
import { JobCancelledError, JobFailedError, JobWaitTimeoutError } from './errors.js';
import { watchJob } from './listeners.js';
import type { Job, TaskType } from './types.js';

/**
 * Resolves with the job once it COMPLETES; rejects with JobFailedError or JobCancelledError when it ends otherwise,
 * with JobWaitTimeoutError after `timeoutMs`, with `signal.reason` when `signal` aborts, and with the listener's
 * FirestoreError if it fails. Waits on a listener: no polling. `waitForJob<'resizeImage'>(…)` types the result
 * as the app's TaskTypes declare it.
 */
export function waitForJob<Type extends TaskType = TaskType>(
  firestore: Firestore,
  id: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<Job<Type>> {
  const { signal, timeoutMs } = options;
  return new Promise<Job<Type>>((resolve, reject) => {
    if (signal?.aborted) {
      // As fetch() does: an aborted wait rejects with the signal's reason, whatever the caller made it.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(signal.reason);
      return;
    }
    let lastSeen: Job | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as above
    const onAbort = () => settle(() => reject(signal?.reason));
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      unsubscribe();
      outcome();
    };
    const unsubscribe = watchJob(
      firestore,
      id,
      (job) => {
        lastSeen = job;
        if (!job?.done) return;
        // The job was made for this task type: its result is the type's.
        if (job.state === 'COMPLETED') settle(() => resolve(job as Job<Type>));
        else if (job.state === 'CANCELLED') settle(() => reject(new JobCancelledError(id, job)));
        else settle(() => reject(new JobFailedError(id, job)));
      },
      (error: FirestoreError) => settle(() => reject(error)),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => settle(() => reject(new JobWaitTimeoutError(id, timeoutMs, lastSeen))), timeoutMs);
    }
  });
}
