import type { JobError, JobProgress, SentJob } from '@async-jobs/contract';
import { CANCELLED_BY_OWNER, type Job, type JobDurations, type JobOutcome, type Millis } from '../job';
import { deleteField, serverTime, type Write, type WriteData } from '../ports/document-store';
import type { StoreAccess } from '../store/store-access';
import { read } from '../store/store-calls';
import { sentFromAttempt, writeForAttempt, type Attempt, type AttemptWrite } from './attempt';
import { CANDIDATES_READ, dispatched, dispatchUpdate, inTurnOrder, type DispatchedJob } from './dispatch';
import { jobAt, sentJob, terminalFields, type JobAt } from './job-record';
import { stepDoneWrite } from './job-steps';
import { lowestWaiting } from './pool-queue';
import { freeSlot } from './pool-slots';

/**
 * The running worker's heartbeat and progress: one fenced update of the job, which also moves its lease to
 * `leaseExpireTime` (a progress report is a heartbeat too, so a job reporting progress needs no other lease write).
 */
export async function writeHeartbeat(
  access: StoreAccess,
  at: Attempt,
  leaseExpireTime: Millis,
  progress: JobProgress | undefined,
  deadline: Millis,
): Promise<AttemptWrite> {
  const data: WriteData = { leaseExpireTime, updateTime: serverTime(), ...(progress ? { progress } : {}) };
  const written = await writeForAttempt(
    access,
    at,
    () => ({ writes: [{ op: 'update', path: access.layout.job(at.id), data }], value: () => undefined }),
    undefined,
    deadline,
  );
  if (written.written) at.leaseExpireTime = leaseExpireTime;
  return written;
}

/** How an attempt ended, as written. */
export type AttemptEnd =
  /** The outcome as the worker decided it. */
  | { kind: 'finished'; outcome: JobOutcome }
  /** Requeued for a retry, due at `sent.dispatchTime`: its message is to be published. */
  | { kind: 'requeued'; sent: SentJob }
  /** A retry the owner had asked to cancel meanwhile: CANCELLED instead. */
  | { kind: 'cancelled' };

/** The handler's last progress report, as the field the write that ends or requeues the job carries. */
const progressField = (lastProgress: JobProgress | undefined): WriteData =>
  lastProgress ? { progress: lastProgress } : {};

/**
 * The update that ends the attempt's job with `outcome` (the job's slot is given back or handed on beside it), with
 * the handler's last progress report when no progress write carried it.
 */
function endUpdate(
  access: StoreAccess,
  at: Attempt,
  outcome: JobOutcome,
  now: Millis,
  retentionDays: number,
  durations: JobDurations | undefined,
  lastProgress: JobProgress | undefined,
): Write {
  const ending: WriteData =
    outcome.state === 'COMPLETED'
      ? { result: outcome.result ?? null, error: deleteField() }
      : { error: { ...outcome.error } };
  return {
    op: 'update',
    path: access.layout.job(at.id),
    data: {
      ...terminalFields(outcome.state, now, retentionDays),
      ...ending,
      ...(durations ?? {}),
      ...progressField(lastProgress),
    },
  };
}

/** The writes that end the job with `outcome` and give its slot back to the pool. */
function endWrites(
  access: StoreAccess,
  at: Attempt,
  outcome: JobOutcome,
  now: Millis,
  retentionDays: number,
  durations: JobDurations | undefined,
  lastProgress: JobProgress | undefined,
): Write[] {
  const writes = [endUpdate(access, at, outcome, now, retentionDays, durations, lastProgress)];
  if (at.slot !== null) writes.push(freeSlot(access, at.pool, at.slot));
  return writes;
}

/** What became of the slot of a job that ended. */
export type SlotAfterEnd =
  /** The job held none. */
  | { kind: 'none' }
  /** Given back to the pool: the pool's queue is to be looked at again (a job may have started to wait meanwhile). */
  | { kind: 'freed' }
  /** Handed to the pool's next waiting job, in the same commit: it is due to be sent. */
  | { kind: 'handed'; to: DispatchedJob };

/** Rounds of an end that try to hand the slot on; past them (the queue's head keeps being taken) it is given back. */
const HANDOFF_ROUNDS = 3;

/**
 * The pool's queue read beside the claim (its lowest waiting jobs, none when nobody waited), and when that read was
 * issued: an end soon after uses it instead of reading the queue again, which takes one query off the path from a
 * short job's start to its end.
 */
export interface QueueAsRead {
  waiting: JobAt[];
  readAt: Millis;
}

/**
 * How old a queue read may be and still stand for the queue at a job's end. A job that started to wait since is
 * not seen by that end: when the read found nobody waiting, the slot is given back and the pool's queue looked at
 * again right after (so that job gets it then); when it found jobs waiting, the slot goes to the lowest of those, and
 * a job that joined with a lower rank in that second waits for the next end. Both are bounded by this age.
 */
export const QUEUE_READ_FRESH_MS = 1_000;

/** The lowest waiting jobs the queue read beside the claim shows, when it is fresh enough to stand for the queue. */
function freshQueue(access: StoreAccess, read: QueueAsRead | undefined): JobAt[] | undefined {
  return read && access.clock.now() - read.readAt <= QUEUE_READ_FRESH_MS ? read.waiting : undefined;
}

/** The lowest waiting jobs of the pool to read beside a claim (the hand-off considers this many). */
export const HANDOFF_CANDIDATES = CANDIDATES_READ;

/** What an attempt's end may take besides its outcome. */
export interface EndOptions {
  /** The pool's queue as read beside the claim: the first round uses it while it is fresh. */
  queueAsRead?: QueueAsRead;
  /** The handler's last progress report that no progress write carried: the end writes it. */
  lastProgress?: JobProgress;
}

/**
 * RUNNING → COMPLETED, FAILED or CANCELLED for the attempt, with its durations, in one commit with what becomes of
 * its slot (`leaveJob`). The end is recognized on a read again by its state, claim, attempt and run time: what no
 * other writer's end has.
 */
export function finishAttempt(
  access: StoreAccess,
  at: Attempt,
  outcome: JobOutcome,
  retentionDays: number,
  durations: JobDurations,
  capacity: number,
  deadline: Millis,
  options: EndOptions = {},
): Promise<AttemptWrite<SlotAfterEnd>> {
  return leaveJob(
    access,
    at,
    {
      writes: () => [
        endUpdate(access, at, outcome, access.clock.now(), retentionDays, durations, options.lastProgress),
      ],
      isOurs: (job) =>
        job.state === outcome.state &&
        job.claimId === at.claimId &&
        job.attempts === at.attempt &&
        job.runMillis === durations.runMillis,
    },
    capacity,
    deadline,
    options.queueAsRead,
  );
}

/** Why an attempt is suspended, and until when: it goes on in another invocation. */
export interface Suspension {
  /**
   * `continue`: the invocation ran low on time between steps; `sleep`: the handler sleeps; `signal`: the handler
   * waits for a signal.
   */
  reason: 'continue' | 'sleep' | 'signal';
  /** When the job is due to go on (now, for a continuation; the wait's timeout, for a signal). */
  dueAt: Millis;
  /** The sleep's step, recorded done in the same commit, its result the time it ends. */
  sleep?: { name: string; done: readonly string[] };
  /** The signal waited for (shown as `currentStep`). */
  wait?: string;
}

/** What a suspension writes besides the job's fields: its retention, and the job's time limit (a step is kept for). */
export interface SuspendSettings {
  retentionDays: number;
  jobLimitMs: number;
  capacity: number;
}

/**
 * RUNNING (in a worker's hands) → RUNNING suspended: no lease, no claim, due to go on at `dueAt` (`dispatchTime`)
 * with `waitReason` saying why, in one commit with what becomes of its slot (`leaveJob`: handed to the pool's next
 * waiting job, or given back): a suspended job holds no slot and no instance. A sleep's step is recorded in the same
 * commit (its result the time it ends), so the sleep's end is the same on every replay. The job's timer, or the
 * worker itself for a continuation, queues it again once due (protocol/resume.ts). Recognized on a read again by
 * its due time, attempt and absent claim. An owner's cancel read on a later round (it failed the first one's fence)
 * ends the job CANCELLED instead, as the worker would have, and sets `at.cancelRequested`.
 */
export function suspendAttempt(
  access: StoreAccess,
  at: Attempt,
  suspension: Suspension,
  settings: SuspendSettings,
  deadline: Millis,
  options: EndOptions = {},
): Promise<AttemptWrite<SlotAfterEnd>> {
  const { sleep } = suspension;
  const { retentionDays, capacity } = settings;
  return leaveJob(
    access,
    at,
    {
      writes: () => {
        const cancelled = cancelledInstead(access, at, retentionDays, options.lastProgress);
        if (cancelled) return cancelled;
        const job: Write = {
          op: 'update',
          path: access.layout.job(at.id),
          data: {
            leaseExpireTime: null,
            claimId: deleteField(),
            slot: null,
            waiting: false,
            waitReason: suspension.reason,
            dispatchTime: suspension.dueAt,
            currentStep: sleep ? sleep.name : (suspension.wait ?? null),
            ...(sleep ? { steps: [...sleep.done, sleep.name] } : {}),
            updateTime: serverTime(),
            ...progressField(options.lastProgress),
          },
        };
        if (!sleep) return [job];
        const result = { until: suspension.dueAt };
        return [job, stepDoneWrite(access, at, sleep.name, result, retentionDays, settings.jobLimitMs)];
      },
      isOurs: (job) =>
        (job.state === 'CANCELLED' && job.claimId === at.claimId && job.attempts === at.attempt) ||
        (job.state === 'RUNNING' &&
          job.leaseExpireTime == null &&
          job.claimId === undefined &&
          job.attempts === at.attempt &&
          job.dispatchTime === suspension.dueAt),
    },
    capacity,
    deadline,
    options.queueAsRead,
  );
}

/**
 * The end that replaces a suspension or a retry once a read of the job found its owner's cancel (writeForAttempt sets
 * `at.cancelRequested` when a later round's read shows it): the job CANCELLED, as the worker would have ended it,
 * since no worker runs it again to do so. Undefined while no cancel was read.
 */
function cancelledInstead(
  access: StoreAccess,
  at: Attempt,
  retentionDays: number,
  lastProgress: JobProgress | undefined,
): Write[] | undefined {
  if (!at.cancelRequested) return undefined;
  const cancelled: JobOutcome = { state: 'CANCELLED', error: CANCELLED_BY_OWNER };
  return [endUpdate(access, at, cancelled, access.clock.now(), retentionDays, undefined, lastProgress)];
}

/** How an attempt leaves its job (an end, a suspension): its writes, and how a read again recognizes them. */
interface Leaving {
  /** The fenced update of the job first, then any other write of the same commit; the slot's is added. */
  writes: () => Write[];
  /** Whether the job as read again shows these writes applied. */
  isOurs: (job: Job) => boolean;
}

/**
 * The attempt's last write, `leaving`'s, in one commit with what becomes of its slot: when a job waits in the
 * pool, the slot goes to the one whose turn it is (it is no longer waiting, holds the slot and is due to be sent;
 * the slot's own document is not written), fenced on that job as read; else the slot is given back. A lost race
 * with another end or dispatch for the same waiting job is decided again on fresh reads. The first round may take
 * the queue from `queueAsRead`, when that read is fresh (QUEUE_READ_FRESH_MS). The waiting job the slot goes to is
 * the lowest rank read, among equal ranks one at random; one an earlier round tried is tried again if it still
 * waits (that round may have failed for a reason of its own: its commit failed for now, or the leaving job's
 * fence), since passing over it would put a later turn first. A job read again that `leaving` recognizes was
 * written by an earlier try whose answer was lost; the waiting jobs it tried then tell whether that try handed the
 * slot on.
 */
async function leaveJob(
  access: StoreAccess,
  at: Attempt,
  leaving: Leaving,
  capacity: number,
  deadline: Millis,
  queueAsRead: QueueAsRead | undefined,
): Promise<AttemptWrite<SlotAfterEnd>> {
  const tried = new Map<string, JobAt>();
  let rounds = 0;
  const slot = at.slot;
  const readBeside = freshQueue(access, queueAsRead);
  const written = await writeForAttempt<SlotAfterEnd>(
    access,
    at,
    async () => {
      rounds += 1;
      const own = leaving.writes();
      if (slot === null) return { writes: own, value: () => ({ kind: 'none' }) };
      const waiting =
        slot < capacity && rounds <= HANDOFF_ROUNDS
          ? rounds === 1 && readBeside
            ? readBeside
            : await lowestWaiting(access, at.pool, HANDOFF_CANDIDATES, deadline)
          : [];
      const candidate = inTurnOrder(access, waiting).slice(0, 1)[0];
      if (!candidate) return { writes: [...own, freeSlot(access, at.pool, slot)], value: () => ({ kind: 'freed' }) };
      tried.set(candidate.id, candidate);
      return {
        writes: [...own, dispatchUpdate(access, candidate, slot)],
        value: (commit) => ({ kind: 'handed', to: dispatched(candidate, commit, own.length, slot) }),
      };
    },
    async (job) => {
      if (!leaving.isOurs(job)) return undefined;
      if (slot === null) return { value: { kind: 'none' } };
      return { value: await handedTo(access, [...tried.keys()], at.pool, slot, deadline) };
    },
    deadline,
  );
  if (written.written) at.ended = true;
  return written;
}

/** Which of the waiting jobs an end tried now holds its slot (that end's commit was applied), if any. */
async function handedTo(
  access: StoreAccess,
  tried: readonly string[],
  pool: string,
  slot: number,
  deadline: Millis,
): Promise<SlotAfterEnd> {
  if (tried.length === 0) return { kind: 'freed' };
  const docs = await read(access, () => access.store.getAll(tried.map((id) => access.layout.job(id))), deadline);
  for (const doc of docs) {
    if (!doc) continue;
    const found = jobAt(doc);
    const holds = found.job.pool === pool && found.job.slot === slot && found.job.waiting === false;
    if (holds && found.job.state === 'CREATED') {
      return {
        kind: 'handed',
        to: {
          id: found.id,
          type: found.job.type,
          sent: sentJob(found.job, found.version, found.job.dispatchTime ?? access.clock.now(), slot),
        },
      };
    }
  }
  return { kind: 'freed' };
}

/**
 * RUNNING → CREATED after a transient failure, due again at `dueAt`, holding nothing meanwhile: its slot goes to
 * the pool's next waiting job in the same commit, or back to the pool (leaveJob), and a timer wakes it at `dueAt`
 * to wait its owner's turn like any job (protocol/resume.ts). The error stays visible with `waitReason:
 * retry-backoff`. If the owner asked to cancel meanwhile (the fence fails on their write, and the job read again
 * shows it), the job ends CANCELLED instead. Recognized on a read again by its claim, attempt and due time.
 */
export function parkForRetry(
  access: StoreAccess,
  at: Attempt,
  error: JobError,
  dueAt: Millis,
  settings: { retentionDays: number; capacity: number },
  deadline: Millis,
  options: EndOptions = {},
): Promise<AttemptWrite<SlotAfterEnd>> {
  return leaveJob(
    access,
    at,
    {
      writes: () => {
        const cancelled = cancelledInstead(access, at, settings.retentionDays, options.lastProgress);
        if (cancelled) return cancelled;
        const data: WriteData = {
          state: 'CREATED',
          error: { ...error },
          dispatchTime: dueAt,
          leaseExpireTime: null,
          waitReason: 'retry-backoff',
          slot: null,
          waiting: false,
          updateTime: serverTime(),
          ...progressField(options.lastProgress),
        };
        return [{ op: 'update', path: access.layout.job(at.id), data }];
      },
      isOurs: (job) =>
        job.claimId === at.claimId &&
        job.attempts === at.attempt &&
        (job.state === 'CANCELLED' || (job.state === 'CREATED' && job.dispatchTime === dueAt)),
    },
    settings.capacity,
    deadline,
    options.queueAsRead,
  );
}

/**
 * RUNNING → CREATED after a transient failure, due again at `dueAt`, keeping its slot (the retry is already
 * dispatched); the error stays visible with `waitReason: retry-backoff`. If the owner asked to cancel meanwhile
 * (the fence fails on their write, and the job read again shows it), the job ends CANCELLED instead: a cancel that
 * was acknowledged is never followed by another run.
 */
export async function requeueAttempt(
  access: StoreAccess,
  at: Attempt,
  error: JobError,
  dueAt: Millis,
  retentionDays: number,
  deadline: Millis,
  lastProgress?: JobProgress,
): Promise<AttemptWrite<AttemptEnd>> {
  const path = access.layout.job(at.id);
  const written = await writeForAttempt<AttemptEnd>(
    access,
    at,
    (job) => {
      if (job?.cancelRequested === true || at.cancelRequested) {
        const outcome: JobOutcome = { state: 'CANCELLED', error: CANCELLED_BY_OWNER };
        return {
          writes: endWrites(access, at, outcome, access.clock.now(), retentionDays, undefined, lastProgress),
          value: () => ({ kind: 'cancelled' }),
        };
      }
      const data: WriteData = {
        state: 'CREATED',
        error: { ...error },
        dispatchTime: dueAt,
        leaseExpireTime: null,
        waitReason: 'retry-backoff',
        updateTime: serverTime(),
        ...progressField(lastProgress),
      };
      return {
        writes: [{ op: 'update', path, data }],
        value: (commit) => ({ kind: 'requeued', sent: sentFromAttempt(at, commit.versions[0] ?? '', dueAt) }),
      };
    },
    (job, version) => {
      if (job.claimId !== at.claimId || job.attempts !== at.attempt) return undefined;
      if (job.state === 'CANCELLED') return { value: { kind: 'cancelled' } };
      if (job.state === 'CREATED' && job.dispatchTime === dueAt) {
        return { value: { kind: 'requeued', sent: sentJob(job, version, dueAt, job.slot ?? null) } };
      }
      return undefined;
    },
    deadline,
  );
  if (written.written) at.ended = true;
  return written;
}
