import { decideRecovery, type RecoveryAction, type RecoveryTimings } from '../recovery';
import type { JobLog } from '../ports/job-log';
import type { JobQueue } from '../ports/job-queue';
import type { SweepOperations } from '../ports/job-repository';
import { retryPolicy } from '../retry-policy';
import type { TaskRegistry } from '../tasks/task-registry';

export interface SweepDeps {
  jobs: SweepOperations;
  queue: JobQueue;
  tasks: TaskRegistry;
  log: JobLog;
  retentionDays(): number;
}

export interface SweepOptions extends RecoveryTimings {
  /** Jobs looked at per kind per run; the next run takes the rest. */
  batchSize: number;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = { dispatchGraceMs: 60_000, batchSize: 200 };

/** The ids the sweep acted on, by what it did. */
export type SweepReport = Record<Exclude<RecoveryAction, 'none'>, string[]>;

/**
 * The recovery sweep (run by a schedule, with the time it runs at): sends again CREATED jobs whose message was
 * lost, and ends or retries RUNNING jobs whose lease expired because their worker died. The repository
 * re-checks each job as it changes it, so a worker that finishes meanwhile wins.
 */
export async function sweep(deps: SweepDeps, now: number, options = DEFAULT_SWEEP_OPTIONS): Promise<SweepReport> {
  const report: SweepReport = { republish: [], retry: [], fail: [], cancel: [] };
  const candidates = [
    ...(await deps.jobs.queuedBefore(now - options.dispatchGraceMs, options.batchSize)),
    ...(await deps.jobs.leaseExpiredBefore(now, options.batchSize)),
  ];
  const retentionDays = deps.retentionDays();
  for (const id of candidates) {
    const recovered = await deps.jobs.recoverJob(id, now, retentionDays, (job) =>
      decideRecovery(job, retryPolicy(deps.tasks.get(job.type)?.retry), now, options),
    );
    if (!recovered || recovered.action === 'none') continue;
    report[recovered.action].push(id);
    const { type, owner, attempts } = recovered.job;
    deps.log.jobRecovered({ jobId: id, type, owner, attempt: attempts }, recovered.action);
    if (recovered.action === 'republish' || recovered.action === 'retry') {
      try {
        await deps.queue.publish(id, type);
      } catch (e) {
        deps.log.publishFailed(id, e); // the next sweep tries again
      }
    }
  }
  return report;
}
