import type { Firestore, FirestoreError } from 'firebase/firestore';
import { JobCancelledError, JobFailedError, JobWaitTimeoutError } from './errors';
import { watchJob } from './listeners';
import type { Job } from './types';

/**
 * Resolves with the job once it COMPLETES; rejects with JobFailedError or JobCancelledError when it ends otherwise,
 * with JobWaitTimeoutError after `timeoutMs`, with `signal.reason` when `signal` aborts, and with the listener's
 * FirestoreError if it fails. Waits on a listener: no polling.
 */
export function waitForJob(
  firestore: Firestore,
  id: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<Job> {
  const { signal, timeoutMs } = options;
  return new Promise<Job>((resolve, reject) => {
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
        if (job.state === 'COMPLETED') settle(() => resolve(job));
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
