import { Timestamp, type UpdateData } from 'firebase-admin/firestore';
import type { JobError } from '../job/job-document';
import { decideRecovery, type RecoveryAction, type RecoveryTimings } from '../job/recovery';
import { retryPolicy } from '../job/retry-policy';
import { logs } from '../logs';
import type { TaskRegistry } from '../tasks/registry';
import type { TaskQueue } from './job-queue';
import { CANCELLED_BY_OWNER, terminalFields, type JobStore, type StoredJob } from './job-store';

export interface SweepDeps {
  store: JobStore;
  queue: TaskQueue;
  tasks: TaskRegistry;
  retentionDays(): number;
}

export interface SweepOptions extends RecoveryTimings {
  /** Jobs looked at per kind per run; the next run takes the rest. */
  batchSize: number;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = { dispatchGraceMs: 60_000, batchSize: 200 };

/** The error of a job whose worker stopped without finishing it. */
export const WORKER_LOST: JobError = {
  code: 'unavailable',
  message: 'the worker stopped before finishing the job (its process ended or it timed out)',
};

export type SweepReport = Record<Exclude<RecoveryAction, 'none'>, string[]>;

/**
 * The recovery sweep (run by a schedule; tests call it directly with their own `now`): re-publishes CREATED jobs
 * whose message was lost, and ends or retries RUNNING jobs whose lease expired because their worker died.
 * Each job is re-checked in a transaction, so a worker that finishes meanwhile wins.
 */
export async function handleSweep(deps: SweepDeps, now: number, options = DEFAULT_SWEEP_OPTIONS): Promise<SweepReport> {
  const report: SweepReport = { republish: [], retry: [], fail: [], cancel: [] };
  const candidates = [
    ...(await deps.store.queuedBefore(now - options.dispatchGraceMs, options.batchSize)),
    ...(await deps.store.leaseExpiredBefore(now, options.batchSize)),
  ];
  const retention = deps.retentionDays();
  const updateFor = (action: RecoveryAction): UpdateData<StoredJob> | undefined => {
    switch (action) {
      case 'republish':
        return { dispatchTime: Timestamp.fromMillis(now) };
      case 'retry':
        return { state: 'CREATED', error: WORKER_LOST, dispatchTime: Timestamp.fromMillis(now), leaseExpireTime: null };
      case 'fail':
        return { ...terminalFields('FAILED', now, retention), error: WORKER_LOST };
      case 'cancel':
        return { ...terminalFields('CANCELLED', now, retention), error: CANCELLED_BY_OWNER };
      case 'none':
        return undefined;
    }
  };
  for (const id of candidates) {
    const recovered = await deps.store.recover(
      id,
      (job) =>
        decideRecovery(
          {
            state: job.state,
            attempts: job.attempts,
            cancelRequested: job.cancelRequested,
            dispatchTimeMs: job.dispatchTime?.toMillis(),
            leaseExpireTimeMs: job.leaseExpireTime?.toMillis(),
          },
          retryPolicy(deps.tasks.get(job.type)?.retry),
          now,
          options,
        ),
      (_job, action) => updateFor(action),
    );
    if (!recovered || recovered.action === 'none') continue;
    report[recovered.action].push(id);
    const { type, owner, attempts } = recovered.job;
    logs.jobRecovered({ jobId: id, type, owner, attempt: attempts }, recovered.action);
    if (recovered.action === 'republish' || recovered.action === 'retry') {
      try {
        await deps.queue.publish(id, recovered.job.type);
      } catch (e) {
        logs.publishFailed(id, e); // the next sweep tries again
      }
    }
  }
  return report;
}
