import type { JobError, JobProgress, SentJob } from '@async-jobs/contract';
import { CANCELLED_BY_OWNER, type Job, type JobDurations, type JobOutcome, type Millis } from '../job';
import { randomId } from '../job-id';
import { sleep } from '../ports/clock';
import type { AttemptLogContext } from '../ports/job-log';
import type { Attempt } from '../protocol/attempt';
import {
  finishAttempt,
  HANDOFF_CANDIDATES,
  parkForRetry,
  QUEUE_READ_FRESH_MS,
  requeueAttempt,
  suspendAttempt,
  type QueueAsRead,
  type SlotAfterEnd,
  type Suspension,
} from '../protocol/attempt-writes';
import { lowestWaiting } from '../protocol/pool-queue';
import { watchCancelRequest } from '../protocol/cancel';
import { claimJob, type ClaimOutcome } from '../protocol/claim';
import { readDoneSteps, writeStepDone, writeStepStart } from '../protocol/job-steps';
import { deadlineAfter } from '../store/store-access';
import { backoffMs, retryPolicy, shouldRetry } from '../retry-policy';
import { isTransientStoreError, StoreError } from '../ports/document-store';
import { attemptIdempotencyKey, taskTimeLimits, type TaskDefinition } from '../tasks/task';
import { classifyFailure, TaskError, toJobError } from '../tasks/task-error';
import type { TaskRegistry } from '../tasks/task-registry';
import { dispatchAfterEnd, sendJobs, type CoreDeps } from '../use-cases/dispatch';
import { recoverStaleJobs, type SweepSettings } from '../use-cases/sweep';
import { setWakeTimer, wakeJob } from '../use-cases/wake';
import { AttemptKeeper } from './attempt-keeper';
import { StepRunner, type StepBudget } from './step-runner';
import type { RecentRunTimes } from './recent-run-times';
import { ProgressReporter } from './progress-reporter';
import { settleHandler } from './settle-handler';
import type { WorkerTimings } from './worker-timings';

/** What the worker needs, passed in so tests can give their own. */
export interface WorkerDeps extends CoreDeps, SweepSettings {
  tasks: TaskRegistry;
  timings: WorkerTimings;
  /**
   * The worker function's own time limit, in ms: the worker keeps trying to write its job's end until shortly
   * before it, so a result is not lost to a store that fails for a while.
   */
  invocationTimeoutMs: number;
  /** The share of job ends that also look for stale jobs (lost messages, dead workers' leases), in [0, 1]. */
  staleCheckRate: number;
  /** This process's last run time of each task type (one per worker process). */
  runTimes: RecentRunTimes;
}

/**
 * The shortest retry backoff that gives the slot back and waits on a timer (protocol parkForRetry); a shorter one
 * keeps its slot, and the worker that claims the retry waits it out: for under a second, handing the slot on and
 * queueing the job again would cost more than it frees.
 */
export const RETRY_TIMER_FROM_MS = 1_000;

/** The margin the worker keeps before its function's time limit: past it, a write in flight could be cut off. */
const INVOCATION_MARGIN_MS = 10_000;

/** What the worker does once the handler is over. */
type Decision =
  | { kind: 'finish'; outcome: JobOutcome }
  | { kind: 'retry'; error: JobError; delayMs: number }
  | { kind: 'suspend'; suspension: Suspension };

/** A decision, with the handler's last progress report when no progress write carried it (the end write does). */
type DecisionWithProgress = Decision & { lastProgress?: JobProgress };

/** Who and what the log entries about the attempt name: the job the claim read, and the attempt's number. */
const logContext = (at: Attempt): AttemptLogContext => ({
  jobId: at.id,
  type: at.type,
  owner: at.owner,
  attempt: at.attempt,
});

const failed = (error: JobError): Decision => ({ kind: 'finish', outcome: { state: 'FAILED', error } });

/** The error of an attempt stopped because its worker could not keep its lease. */
export const LEASE_NOT_KEPT: JobError = {
  code: 'unavailable',
  message: 'the worker could not renew its lease on the job, so it stopped the handler before the lease lapsed',
};

/** What a job records when its handler's result cannot be stored; never the store's own text (the owner reads it). */
export const RESULT_NOT_STORABLE: JobError = {
  code: 'internal',
  message:
    "the task's result could not be stored: it is too large for the job document or not a value Firestore can hold",
};

/**
 * A returned handler's outcome: its value as the job's result, checked against the task's `result` schema when it
 * has one (the typed client trusts that type). A value that does not match fails the job, permanently: running the
 * same handler again returns the same kind of value.
 */
function completed(task: TaskDefinition, value: unknown): Decision {
  if (!task.result) return { kind: 'finish', outcome: { state: 'COMPLETED', result: value } };
  const checked = task.result.safeParse(value);
  if (checked.success) return { kind: 'finish', outcome: { state: 'COMPLETED', result: checked.data } };
  const issue = checked.error.issues[0];
  const field = ['result', ...(issue?.path ?? []).map(String)].join('.');
  return failed({
    code: 'internal',
    message: `the task returned a result its result schema refuses: ${field}: ${issue?.message ?? 'invalid'}`,
  });
}

/** A transient failure's next step under the task's retry policy: another attempt after a backoff, or the end. */
function retryOrFail(task: TaskDefinition | undefined, at: Attempt, error: JobError, deps: WorkerDeps): Decision {
  const policy = retryPolicy(task?.retry);
  if (shouldRetry(at.attempt, policy)) {
    return { kind: 'retry', error, delayMs: backoffMs(at.attempt, policy, deps.access.random) };
  }
  return failed(error);
}

/**
 * Runs a claimed job's handler with its abort signal (the owner's cancel, the time limit, a lease it cannot keep),
 * its lease kept alive and its progress reported, and decides what happens next. Never throws.
 */
async function runClaimed(
  job: Job,
  at: Attempt,
  task: TaskDefinition,
  deps: WorkerDeps,
  keeper: AttemptKeeper,
  controller: AbortController,
): Promise<DecisionWithProgress> {
  // The input was validated at create time; validating again catches a schema that changed since.
  const input = task.input.safeParse(job.input);
  if (!input.success) {
    return failed({ code: 'invalid-argument', message: `input no longer valid: ${input.error.message}` });
  }
  const { clock } = deps.access;
  const abort = (reason: TaskError) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  // One invocation's limit, and the job's over all its invocations (from its attempt's start): the first to come
  // aborts the handler. A task whose job may outlast an invocation goes on in a new one between steps instead.
  const limits = taskTimeLimits(task);
  const startedAt = clock.now();
  const invocationEnd = startedAt + limits.invocationMs;
  const jobEnd = at.startTime + limits.totalMs;
  const continues = limits.totalMs > limits.invocationMs;
  const abortAt = Math.min(invocationEnd, jobEnd);
  const overrun = continues
    ? abortAt === jobEnd
      ? `the job ran past its ${limits.totalMs / 1000} s time limit`
      : `a step ran past the ${limits.invocationMs / 1000} s one invocation may take`
    : `the task ran past its ${limits.invocationMs / 1000} s time limit`;
  // A step of a job that goes on across invocations that overruns its invocation (a store call that hung, a step
  // slower than its stepTimeoutSeconds) is retried, keeping the steps done; the job's own limit ends it for good.
  const retryable = continues && abortAt === invocationEnd && invocationEnd < jobEnd;
  const cancelDeadline = clock.setTimer(Math.max(0, abortAt - startedAt), () =>
    abort(new TaskError('deadline-exceeded', overrun, { transient: retryable })),
  );
  // The owner's cancel arrives as `cancelRequested` on the document: a listener that hears only of it sees it
  // within moments. It starts after the handler's first moments, so a job that ends sooner pays no read for it. A
  // claim taken back needs no listener: only a lapsed lease is taken back, and the keeper stops the handler before
  // its own lease can lapse.
  let unwatch: () => void = () => undefined;
  const cancelWatchStart = clock.setTimer(deps.timings.cancelWatchDelayMs, () => {
    unwatch = watchCancelRequest(
      deps.access,
      at.id,
      () => abort(new TaskError('cancelled', 'the job was cancelled by its owner')),
      (e) => deps.log.cancelWatchFailed(at.id, e),
    );
  });
  // The claim wrote the job moments ago: the first report's write waits an interval from it.
  const reporter = new ProgressReporter(
    (progress) => keeper.heartbeat(progress),
    deps.timings.progressIntervalMs,
    (e) => deps.log.progressWriteFailed(at.id, e),
    clock,
    startedAt,
    deps.timings.progressSettleMs,
  );
  const steps = stepRunner(
    task,
    at,
    deps,
    keeper,
    controller.signal,
    {
      continueBeforeStep: () => continues && clock.now() + limits.stepMs > invocationEnd,
      jobDeadline: jobEnd,
    },
    limits.totalMs,
  );
  let settled;
  let lastProgress: JobProgress | undefined;
  try {
    const run = Promise.resolve().then(() =>
      task.run(input.data, {
        jobId: at.id,
        attempt: at.attempt,
        idempotencyKey: at.id,
        attemptIdempotencyKey: attemptIdempotencyKey(at.id, at.attempt),
        signal: controller.signal,
        progress: reporter.report,
        step: steps.step,
        sleep: steps.sleep,
        sleepUntil: steps.sleepUntil,
        waitForSignal: steps.waitForSignal,
      }),
    );
    settled = await settleHandler(run, controller.signal, deps.timings.abortGraceMs, clock);
  } finally {
    cancelDeadline();
    cancelWatchStart();
    unwatch();
    lastProgress = await reporter.close({ keepLast: true });
  }
  const decision = decide(task, at, settled, keeper, controller, steps, deps);
  return lastProgress ? { ...decision, lastProgress } : decision;
}

/**
 * The attempt's steps: those of earlier attempts and invocations read at the first step (none on a first attempt's
 * first invocation, which reads nothing), each start and end written in turn with the heartbeats.
 */
function stepRunner(
  task: TaskDefinition,
  at: Attempt,
  deps: WorkerDeps,
  keeper: AttemptKeeper,
  signal: AbortSignal,
  budget: StepBudget,
  jobLimitMs: number,
): StepRunner {
  const { access } = deps;
  const earlier = at.attempt > 1 || at.continues;
  return new StepRunner(
    () => (earlier ? readDoneSteps(access, at.id, deadlineAfter(access)) : Promise.resolve([])),
    {
      started: (name) =>
        keeper.write((leaseExpireTime, deadline) => writeStepStart(access, at, name, leaseExpireTime, deadline)),
      done: (name, result, done) =>
        keeper.write(async (leaseExpireTime, deadline) => {
          const retention = deps.retentionDays();
          const written = await writeStepDone(
            access,
            at,
            name,
            result,
            done,
            leaseExpireTime,
            retention,
            jobLimitMs,
            deadline,
          );
          if (written.written) done.push(name);
          return written;
        }),
    },
    signal,
    access.clock,
    budget,
    new Set(Object.keys(task.signals ?? {})),
  );
}

/**
 * What happens after the handler settled: the lease, its abort (a cancel, a time limit), a suspension it reached
 * (a sleep, a continuation: however the handler then ended), its value, or how it failed decide.
 */
function decide(
  task: TaskDefinition,
  at: Attempt,
  settled: Awaited<ReturnType<typeof settleHandler>>,
  keeper: AttemptKeeper,
  controller: AbortController,
  steps: StepRunner,
  deps: WorkerDeps,
): Decision {
  if (keeper.leaseAtRisk) return retryOrFail(task, at, LEASE_NOT_KEPT, deps);
  const { suspension } = steps;
  if (suspension && !controller.signal.aborted) return { kind: 'suspend', suspension };
  if (settled.kind === 'returned') return completed(task, settled.value);
  if (controller.signal.aborted) {
    // Whatever the handler threw on its way out, the abort is why it stopped.
    const reason: unknown = controller.signal.reason;
    if (reason instanceof TaskError && reason.transient) return retryOrFail(task, at, toJobError(reason), deps);
    const error = toJobError(reason);
    return {
      kind: 'finish',
      outcome: error.code === 'cancelled' ? { state: 'CANCELLED', error } : { state: 'FAILED', error },
    };
  }
  const failure = classifyFailure(settled.kind === 'threw' ? settled.error : undefined, {
    publicMessages: task.publicErrorMessages === true,
    newLogId: () => randomId(deps.access.random),
  });
  if (failure.withheld && failure.error.logId) {
    deps.log.taskErrorWithheld(logContext(at), failure.error.logId, failure.withheld.thrown);
  }
  return failure.transient ? retryOrFail(task, at, failure.error, deps) : failed(failure.error);
}

/**
 * Writes the attempt's end, trying until shortly before the function's own time limit: a result that was computed
 * is not lost to a store that fails for a while (the lease is kept alive meanwhile, so the sweep does not take the
 * job back). A COMPLETED end the store refuses for good (the result too large, or not a value it can hold) ends
 * the job FAILED instead, with a clean message.
 */
async function writeEnd(
  at: Attempt,
  decision: DecisionWithProgress,
  durations: JobDurations,
  deadline: Millis,
  deps: WorkerDeps,
  queueAsRead: QueueAsRead | undefined,
  jobLimitMs: number,
): Promise<
  | { kind: 'ended'; outcome: JobOutcome; slot: SlotAfterEnd }
  | { kind: 'requeued'; sent: SentJob }
  | { kind: 'parked'; dueAt: Millis; slot: SlotAfterEnd }
  | { kind: 'suspended'; suspension: Suspension; slot: SlotAfterEnd }
  | { kind: 'superseded' }
> {
  const { access } = deps;
  const retention = deps.retentionDays();
  if (decision.kind === 'suspend') {
    const settings = { retentionDays: retention, jobLimitMs, capacity: deps.capacity(at.pool) };
    const options = { queueAsRead, lastProgress: decision.lastProgress };
    const written = await suspendAttempt(access, at, decision.suspension, settings, deadline, options);
    if (!written.written) return { kind: 'superseded' };
    if (at.cancelRequested) {
      return { kind: 'ended', outcome: { state: 'CANCELLED', error: CANCELLED_BY_OWNER }, slot: written.value };
    }
    return { kind: 'suspended', suspension: decision.suspension, slot: written.value };
  }
  if (decision.kind === 'retry' && decision.delayMs >= RETRY_TIMER_FROM_MS) {
    const dueAt = access.clock.now() + decision.delayMs;
    const settings = { retentionDays: retention, capacity: deps.capacity(at.pool) };
    const options = { queueAsRead, lastProgress: decision.lastProgress };
    const written = await parkForRetry(access, at, decision.error, dueAt, settings, deadline, options);
    if (!written.written) return { kind: 'superseded' };
    if (at.cancelRequested) {
      return { kind: 'ended', outcome: { state: 'CANCELLED', error: CANCELLED_BY_OWNER }, slot: written.value };
    }
    return { kind: 'parked', dueAt, slot: written.value };
  }
  if (decision.kind === 'retry') {
    const dueAt = access.clock.now() + decision.delayMs;
    const written = await requeueAttempt(access, at, decision.error, dueAt, retention, deadline, decision.lastProgress);
    if (!written.written) return { kind: 'superseded' };
    if (written.value.kind === 'requeued') return { kind: 'requeued', sent: written.value.sent };
    const slot: SlotAfterEnd = at.slot === null ? { kind: 'none' } : { kind: 'freed' };
    return { kind: 'ended', outcome: { state: 'CANCELLED', error: CANCELLED_BY_OWNER }, slot };
  }
  const capacity = deps.capacity(at.pool);
  const end = async (outcome: JobOutcome) => {
    const written = await finishAttempt(access, at, outcome, retention, durations, capacity, deadline, {
      queueAsRead,
      lastProgress: decision.lastProgress,
    });
    return written.written ? { kind: 'ended' as const, outcome, slot: written.value } : { kind: 'superseded' as const };
  };
  try {
    return await end(decision.outcome);
  } catch (e) {
    if (decision.outcome.state !== 'COMPLETED' || isTransientStoreError(e) || !(e instanceof StoreError)) throw e;
  }
  return end({ state: 'FAILED', error: RESULT_NOT_STORABLE });
}

/**
 * Reads the pool's lowest waiting jobs beside the claim of a job that is due now, holds a slot and whose type ran
 * short here last time (RecentRunTimes), so that its end can hand the slot on without reading the queue itself.
 * Returns what the end takes: the read once it answered, undefined if it failed, was not made, or has not answered
 * by the time it would be too old to use (the end then reads the queue itself).
 */
function readQueueBesideClaim(
  type: string,
  sent: SentJob | undefined,
  deps: WorkerDeps,
): () => Promise<QueueAsRead | undefined> {
  const { access } = deps;
  const readAt = access.clock.now();
  if (sent?.slot == null || sent.dispatchTime > readAt || !deps.runTimes.lastRunWithin(type, QUEUE_READ_FRESH_MS / 2)) {
    return () => Promise.resolve(undefined);
  }
  const staleAt = readAt + QUEUE_READ_FRESH_MS;
  const answer = lowestWaiting(access, sent.pool, HANDOFF_CANDIDATES, staleAt).then(
    (waiting): QueueAsRead => ({ waiting, readAt }),
    () => undefined,
  );
  return () =>
    new Promise((resolve) => {
      const giveUp = access.clock.setTimer(Math.max(0, staleAt - access.clock.now()), () => resolve(undefined));
      void answer.then((read) => {
        giveUp();
        resolve(read);
      });
    });
}

/** The claim, waiting out a retry's backoff (at most the policy's longest) when the job is not due yet. */
async function claimWhenDue(
  jobId: string,
  type: string,
  sent: SentJob | undefined,
  task: TaskDefinition | undefined,
  deadline: Millis,
  deps: WorkerDeps,
): Promise<ClaimOutcome> {
  const { access } = deps;
  const maxWait = retryPolicy(task?.retry).maxBackoffMs;
  let known = sent;
  for (let tries = 0; tries < 2; tries++) {
    const wait = Math.min((known?.dispatchTime ?? 0) - access.clock.now(), maxWait);
    if (wait > 0) await sleep(access.clock, wait);
    const claim = await claimJob(access, jobId, type, known, deps.timings.leaseMs, deps.retentionDays(), deadline);
    if (claim.kind !== 'not-due') return claim;
    known = claim.sent;
  }
  return claimJob(access, jobId, type, known, deps.timings.leaseMs, deps.retentionDays(), deadline);
}

/**
 * The worker's logic for one delivery of a job. A delivery is only a hint, since Pub/Sub delivers at least once:
 * the claim decides whether this delivery runs the job. A delivery that cannot run it (unknown job, already
 * claimed or done) is logged and returns normally. Retries of the job itself are this worker's own
 * (docs/protocol.md, "Retries"), not the queue's.
 */
export async function runDelivery(
  jobId: string,
  type: string,
  sent: SentJob | undefined,
  messageId: string | undefined,
  deps: WorkerDeps,
): Promise<void> {
  const { access, log } = deps;
  const deadline = access.clock.now() + deps.invocationTimeoutMs - INVOCATION_MARGIN_MS;
  const task = deps.tasks.get(type);
  const queueAsRead = readQueueBesideClaim(type, sent, deps);
  const claim = await claimWhenDue(jobId, type, sent, task, deadline, deps);
  switch (claim.kind) {
    case 'not-found':
      return log.jobNotFound(jobId, messageId);
    case 'not-claimable':
      return log.duplicateDelivery(jobId, claim.state, messageId);
    case 'not-due':
      return log.duplicateDelivery(jobId, 'CREATED', messageId);
    case 'cancelled': {
      log.jobCancelled({ jobId, type, owner: claim.job.owner, attempt: claim.job.attempts }, 'CREATED');
      if (typeof claim.job.slot === 'number') {
        await afterJobEnd(claim.job.pool ?? deps.tasks.poolOf(type), { kind: 'freed' }, deps);
      }
      return;
    }
    case 'claimed':
      break;
  }
  const { job, attempt: at } = claim;
  // The job's own type, as the claim read it or as it was sent: the handler that runs is the job's.
  const handler = deps.tasks.get(job.type);
  const context = logContext(at);
  const queueMillis = Math.max(0, at.startTime - job.createTime);
  log.jobStarted(context, queueMillis);

  const controller = new AbortController();
  const keeper = new AttemptKeeper(access, at, deps.timings, log, () => {
    if (!controller.signal.aborted) controller.abort(new TaskError('aborted', LEASE_NOT_KEPT.message));
  });
  keeper.start();
  let ended;
  let decision: DecisionWithProgress | undefined;
  const runMillis = () => Math.max(0, access.clock.now() - at.startTime);
  // The durations the end writes on the job are the ones its log entry gives: the same numbers in both.
  let durations: JobDurations;
  try {
    decision = handler
      ? await runClaimed(job, at, handler, deps, keeper, controller)
      : failed({ code: 'unimplemented', message: `task type "${job.type}" is not served here` });
    await keeper.settle();
    durations = { queueMillis, runMillis: runMillis() };
    deps.runTimes.record(job.type, durations.runMillis);
    const jobLimitMs = handler ? taskTimeLimits(handler).totalMs : 0;
    ended = await writeEnd(at, decision, durations, deadline, deps, await queueAsRead(), jobLimitMs);
  } catch (e) {
    // Left RUNNING with its lease: the sweep retries or ends it once the lease lapses.
    const state =
      !decision || decision.kind === 'suspend'
        ? 'RUNNING'
        : decision.kind === 'retry'
          ? 'CREATED'
          : decision.outcome.state;
    return log.terminalWriteFailed(context, state, e);
  } finally {
    keeper.stop();
  }
  switch (ended.kind) {
    case 'superseded':
      return log.terminalWriteSkipped(jobId, undefined);
    case 'requeued':
      if (decision.kind === 'retry') log.jobRetrying(context, decision.error, decision.delayMs, runMillis());
      await sendJobs(deps, [{ id: jobId, type, sent: ended.sent }]);
      return;
    case 'parked':
      if (decision.kind === 'retry') log.jobRetrying(context, decision.error, decision.delayMs, runMillis());
      await afterJobEnd(at.pool, ended.slot, deps);
      await setWakeTimer(deps, jobId, ended.dueAt);
      return;
    case 'suspended': {
      const { reason, dueAt } = ended.suspension;
      log.jobSuspended(context, reason, dueAt);
      await afterJobEnd(at.pool, ended.slot, deps);
      // A continuation is due now: it joins the queue at once. A sleep's timer wakes it at its end.
      if (dueAt <= access.clock.now()) await wakeUp(deps, jobId);
      else await setWakeTimer(deps, jobId, dueAt);
      return;
    }
    case 'ended': {
      if (ended.outcome.state === 'COMPLETED') log.jobCompleted(context, durations);
      else log.jobEnded(context, ended.outcome.state, ended.outcome.error, durations);
      await afterJobEnd(at.pool, ended.slot, deps);
      return;
    }
  }
}

/** Wakes a job this worker suspended to continue, never throwing: the sweep wakes it if this fails. */
async function wakeUp(deps: WorkerDeps, jobId: string): Promise<void> {
  try {
    await wakeJob(deps, jobId);
  } catch (e) {
    deps.log.timerFailed(jobId, e);
  }
}

/**
 * What a worker does once its job's end is written: sends the job its slot was handed to, or, when the slot was
 * given back, looks at the pool's queue again (a job that started to wait while the end was written gets the slot
 * now, not at the sweep's next minute); and, at a few of the ends (`staleCheckRate`), looks for stale jobs (a lost
 * message, a dead worker's lapsed lease), each holding a slot for nothing.
 */
async function afterJobEnd(pool: string, slot: SlotAfterEnd, deps: WorkerDeps): Promise<void> {
  if (slot.kind === 'handed') await sendJobs(deps, [slot.to]);
  if (slot.kind === 'freed') await dispatchAfterEnd(deps, pool);
  if (deps.access.random() >= deps.staleCheckRate) return;
  try {
    await recoverStaleJobs(deps, deps.access.clock.now(), 3);
  } catch (e) {
    deps.log.staleCheckFailed(e);
  }
}
