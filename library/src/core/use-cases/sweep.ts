import { decideRecovery, type RecoveryAction, type RecoveryTimings } from '../recovery';
import type { DispatchOperations, SweepOperations } from '../ports/job-repository';
import { retryPolicy } from '../retry-policy';
import type { TaskRegistry } from '../tasks/task-registry';
import { dispatchWaitingJobs, type DispatchDeps } from './dispatch';

export interface SweepDeps extends DispatchDeps {
  jobs: SweepOperations & DispatchOperations;
  tasks: TaskRegistry;
  retentionDays(): number;
  /**
   * How long after its dispatch a sent job may stay unclaimed before its message is taken for lost
   * (DISPATCH_GRACE_SECONDS, read per call). A sent job is claimed within a second or two (the push, a warm or cold
   * instance), so one unclaimed well past that holds a slot for nothing; sending it again early costs at most a
   * duplicate delivery, which the claim makes harmless.
   */
  dispatchGraceMs(): number;
}

/** Jobs the sweep looks at per kind per run; the next run takes the rest. */
export const SWEEP_BATCH_SIZE = 200;

/**
 * Jobs of each kind a worker checks when its job ends (see recoverStaleJobs): enough for the stale jobs a busy
 * pool makes between two ends, few enough to cost two small queries.
 */
export const STALE_JOBS_CHECKED_AT_JOB_END = 3;

/** The ids the sweep acted on, by what it did, and how many waiting jobs it sent to free slots. */
export type SweepReport = Record<Exclude<RecoveryAction, 'none'>, string[]> & { dispatched: number };

/**
 * The recovery sweep (run by a schedule, with the time it runs at): recovers stale jobs (recoverStaleJobs), then
 * sends waiting jobs to any slot still free (a send missed when a job ended).
 */
export async function sweep(deps: SweepDeps, now: number, batchSize = SWEEP_BATCH_SIZE): Promise<SweepReport> {
  const report = await recoverStaleJobs(deps, now, batchSize);
  for (const pool of deps.tasks.pools()) {
    report.dispatched += await dispatchWaitingJobs(deps, pool, deps.capacity(pool));
  }
  return report;
}

/**
 * Sends again dispatched jobs whose message was lost, and ends or retries RUNNING jobs whose lease lapsed because
 * their worker died: both hold a slot doing nothing. The sweep runs it each minute; every worker runs it on a few
 * jobs when its own job ends, so on a busy pool a stale job is found within moments of going stale, not at the
 * next minute. The repository re-checks each job as it changes it, so a worker that finishes meanwhile wins.
 */
export async function recoverStaleJobs(
  deps: SweepDeps,
  now: number,
  batchSize = SWEEP_BATCH_SIZE,
): Promise<SweepReport> {
  const report: SweepReport = { republish: [], retry: [], fail: [], cancel: [], dispatched: 0 };
  const timings: RecoveryTimings = { dispatchGraceMs: deps.dispatchGraceMs() };
  const candidates = [
    ...(await deps.jobs.queuedBefore(now - timings.dispatchGraceMs, batchSize)),
    ...(await deps.jobs.leaseExpiredBefore(now, batchSize)),
  ];
  const retentionDays = deps.retentionDays();
  for (const id of candidates) {
    const recovered = await deps.jobs.recoverJob(id, now, retentionDays, (job) =>
      decideRecovery(job, retryPolicy(deps.tasks.get(job.type)?.retry), now, timings),
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
