import type { Job } from '../job';
import { decideRecovery, type RecoveryAction, type RecoveryTimings } from '../recovery';
import type { JobAt } from '../protocol/job-record';
import { freeLeakedSlots, jobsOfUnservedPools, markPoolSwept, unservedPoolError } from '../protocol/reconcile';
import { isParked } from '../protocol/job-record';
import { leaseLapsedBefore, recoverJob, sentBefore, suspendedDueBefore } from '../protocol/recovery';
import { retryPolicy } from '../retry-policy';
import { deadlineAfter } from '../store/store-access';
import { dispatchAfterEnd, dispatchIntoFreeSlots, sendJobs, type CoreDeps } from './dispatch';
import { wakeJob } from './wake';

/** What the sweep and the stale check at a job's end read per call. */
export interface SweepSettings {
  /**
   * How long after its dispatch a sent job may stay unclaimed before its message is taken for lost
   * (DISPATCH_GRACE_SECONDS, read per call). A sent job is claimed within a second or two (the push, a warm or cold
   * instance), so one unclaimed well past that holds a slot for nothing; sending it again early costs at most a
   * duplicate delivery, which the claim makes harmless.
   */
  dispatchGraceMs(): number;
}

export type SweepDeps = CoreDeps & SweepSettings;

/** Jobs the sweep looks at per kind per run; the next run takes the rest. */
export const SWEEP_BATCH_SIZE = 200;

/** Free slots the sweep fills per pool per run. */
export const SWEEP_DISPATCH_LIMIT = 100;

/**
 * How old a job of a pool this deployment does not serve must be before the sweep ends it: a deploy that adds a pool
 * runs old and new instances side by side for a while, and an old sweep must not end the new pool's jobs.
 */
export const UNSERVED_POOL_GRACE_MS = 15 * 60_000;

/**
 * The ids the sweep acted on, by what it did; the parked jobs past due it woke (suspended, or CREATED waiting out a
 * retry's backoff or a delay: their timer was lost); the slots it freed; the waiting jobs it sent; the jobs it could
 * not recover.
 */
export type SweepReport = Record<Exclude<RecoveryAction, 'none'>, string[]> & {
  woken: string[];
  dispatched: number;
  freedSlots: number;
  endedUnserved: string[];
  failed: string[];
};

const emptyReport = (): SweepReport => ({
  republish: [],
  retry: [],
  fail: [],
  cancel: [],
  woken: [],
  dispatched: 0,
  freedSlots: 0,
  endedUnserved: [],
  failed: [],
});

/** The candidates in a random order: a job whose recovery keeps failing is not always met first. */
function shuffled<T>(deps: SweepDeps, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(deps.access.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Recovers one job found stale (or of an unserved pool); errors are the caller's. */
async function recoverOne(
  deps: SweepDeps,
  found: JobAt,
  decide: (job: Job) => RecoveryAction,
  report: SweepReport,
  endError?: Parameters<typeof recoverJob>[5],
): Promise<RecoveryAction> {
  const recovered = await recoverJob(
    deps.access,
    found,
    decide,
    deps.retentionDays(),
    deadlineAfter(deps.access),
    endError,
  );
  if (!recovered || recovered.action === 'none') return 'none';
  const { type, owner, attempts } = recovered.job;
  deps.log.jobRecovered({ jobId: found.id, type, owner, attempt: attempts }, recovered.action);
  if (recovered.sent) await sendJobs(deps, [{ id: found.id, type, sent: recovered.sent }]);
  // A slot of a pool no longer deployed is left free: no worker would run the jobs it went to.
  if (recovered.freedSlotOf && deps.tasks.pools().includes(recovered.freedSlotOf)) {
    report.dispatched += await dispatchAfterEnd(deps, recovered.freedSlotOf);
  }
  return recovered.action;
}

/**
 * Sends again sent jobs whose message was lost, ends or retries RUNNING jobs whose lease lapsed because their worker
 * died (both hold a slot doing nothing), and wakes parked jobs well past due (suspended, or CREATED waiting out a
 * retry's backoff or a delay: their timer was lost). Three queries, at once: CREATED jobs sent or due before the grace,
 * RUNNING jobs whose lease lapsed, suspended jobs due before the grace. The sweep runs it each minute; a few job ends
 * run it on a few jobs, so on a busy pool a stale job is found within moments of going stale. Each job is decided on
 * its own read and changed fenced on it, so a worker that ends it meanwhile wins; one job whose recovery fails is
 * logged and skipped, and the others are still recovered.
 */
export async function recoverStaleJobs(
  deps: SweepDeps,
  now: number,
  batchSize = SWEEP_BATCH_SIZE,
): Promise<SweepReport> {
  const report = emptyReport();
  const timings: RecoveryTimings = { dispatchGraceMs: deps.dispatchGraceMs() };
  const deadline = deadlineAfter(deps.access);
  const [lost, lapsed, suspended] = await Promise.all([
    sentBefore(deps.access, now - timings.dispatchGraceMs, batchSize, deadline),
    leaseLapsedBefore(deps.access, now, batchSize, deadline),
    suspendedDueBefore(deps.access, now - timings.dispatchGraceMs, batchSize, deadline),
  ]);
  for (const found of shuffled(deps, [...lost, ...lapsed, ...suspended])) {
    try {
      if (isParked(found.job) && found.job.cancelRequested !== true) {
        const woken = await wakeJob(deps, found.id);
        if (woken.kind === 'queued' || woken.kind === 'cancelled') report.woken.push(found.id);
        continue;
      }
      // Decided at the time the sweep runs for (or later, once the clock has passed it): the queries found the job
      // stale at `now`, and deciding at an earlier clock would leave every job it found where it is.
      const decideAt = () => Math.max(now, deps.access.clock.now());
      const action = await recoverOne(
        deps,
        found,
        (job) => decideRecovery(job, retryPolicy(deps.tasks.get(job.type)?.retry), decideAt(), timings),
        report,
      );
      if (action !== 'none') report[action].push(found.id);
    } catch (e) {
      report.failed.push(found.id);
      deps.log.recoveryFailed(found.id, e);
    }
  }
  return report;
}

/**
 * The recovery sweep (run by a schedule, at the time it fires): recovers stale jobs; per pool, frees slots whose job
 * was deleted by hand and sends waiting jobs to any slot still free; and ends the jobs of pools no longer deployed,
 * which no worker would ever run.
 */
export async function sweep(deps: SweepDeps, now: number, batchSize = SWEEP_BATCH_SIZE): Promise<SweepReport> {
  const report = await recoverStaleJobs(deps, now, batchSize);
  const deadline = deadlineAfter(deps.access);
  const pools = deps.tasks.pools();
  for (const pool of pools) {
    try {
      report.freedSlots += (await freeLeakedSlots(deps.access, pool, deadline)).length;
    } catch (e) {
      deps.log.dispatchFailed(pool, e);
    }
    report.dispatched += await dispatchIntoFreeSlots(deps, pool, Math.min(deps.capacity(pool), SWEEP_DISPATCH_LIMIT));
    try {
      await markPoolSwept(deps.access, pool, deadline);
    } catch (e) {
      deps.log.sweepMarkFailed(pool, e);
    }
  }
  let unserved: JobAt[] = [];
  try {
    unserved = await jobsOfUnservedPools(deps.access, pools, now - UNSERVED_POOL_GRACE_MS, batchSize, deadline);
  } catch (e) {
    deps.log.recoveryFailed('(unserved pools)', e);
  }
  for (const found of unserved) {
    try {
      const pool = found.job.pool ?? '';
      const action = await recoverOne(
        deps,
        found,
        (job) => (job.done ? 'none' : 'fail'),
        report,
        unservedPoolError(pool),
      );
      if (action !== 'none') report.endedUnserved.push(found.id);
    } catch (e) {
      report.failed.push(found.id);
      deps.log.recoveryFailed(found.id, e);
    }
  }
  return report;
}
