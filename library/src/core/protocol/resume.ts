import { CANCELLED_BY_OWNER, type Millis } from '../job';
import { serverTime, type Write } from '../ports/document-store';
import { fairRank } from '../scheduling/fair-queue';
import { read, transition, type Decision } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { DEFAULT_POOL } from '../tasks/task';
import { isParked, jobAt, terminalFields } from './job-record';
import { stepDocumentWrite } from './job-steps';
import { ownerTurnWrite, readOwnerTurn } from './owner-turns';

export type ResumeOutcome =
  /** Now waiting in `pool`'s queue, at its owner's next turn: a dispatch sends it when a slot is free. */
  | { kind: 'queued'; pool: string }
  /** Not due before `dueAt`: its timer came early. */
  | { kind: 'not-due'; dueAt: Millis }
  /** Its owner asked to cancel it: ended CANCELLED (it held no slot). */
  | { kind: 'cancelled' }
  /** Not parked (queued, sent or running already, done, or gone): nothing to do. */
  | { kind: 'not-parked' };

/**
 * A parked job (JobRecord.isParked: suspended between invocations, or waiting out a retry's backoff; in no queue,
 * holding no slot) that is due joins its pool's queue, to get a slot in turn like any job: a continuation, a sleep
 * that ends or a retry goes on at its owner's next turn, so a long job takes turns with everyone else's instead of
 * keeping its slot. A wait for a signal that reaches its timeout goes on with `{ received: false }` recorded as its
 * step's result. It is ranked as a create
 * that queues is (protocol/create-jobs.ts): after the owner's document is read, fenced on it, so the owner's jobs
 * never share a rank. A job whose owner asked to cancel it ends CANCELLED instead. Decided on the job as read and
 * fenced on it: of a timer and the sweep resuming the job at once, one does and the other finds it queued.
 */
export function resumeJob(
  access: StoreAccess,
  id: string,
  settings: { retentionDays: number; jobLimitMs: (type: string) => number },
  deadline: Millis,
): Promise<ResumeOutcome> {
  const { retentionDays } = settings;
  const path = access.layout.job(id);
  // Set once a round decided to queue the job: a later round that finds it waiting knows that commit was applied
  // although it reported an error, and answers as it would have.
  let queuedIn: string | undefined;
  return transition<ResumeOutcome>(
    access,
    async (): Promise<Decision<ResumeOutcome>> => {
      const doc = await read(access, () => access.store.get(path), deadline);
      if (!doc) return { answer: { kind: 'not-parked' } };
      const { job, version } = jobAt(doc);
      if (queuedIn !== undefined && job.waiting === true && !job.done) {
        return { answer: { kind: 'queued', pool: queuedIn } };
      }
      if (!isParked(job)) return { answer: { kind: 'not-parked' } };
      const now = access.clock.now();
      if (job.cancelRequested === true) {
        const data = { ...terminalFields('CANCELLED', now, retentionDays), error: CANCELLED_BY_OWNER };
        return {
          writes: [{ op: 'update', path, data, ifVersion: version }],
          answer: () => ({ kind: 'cancelled' }),
        };
      }
      const dueAt = job.dispatchTime ?? now;
      if (dueAt > now) return { answer: { kind: 'not-due', dueAt } };
      const pool = job.pool ?? DEFAULT_POOL;
      const { turns, front, last } = await readOwnerTurn(access, job.owner, pool, false, deadline);
      const rank = fairRank(front, last);
      // A wait for a signal that times out ends here: its answer is recorded with the job's going on, so no signal
      // sent after this can change it (signalJob is fenced on the job as it read it, waiting).
      const timedOut = job.waitReason === 'signal' && typeof job.currentStep === 'string' ? job.currentStep : undefined;
      const queued: Write = {
        op: 'update',
        path,
        data: {
          waiting: true,
          rank,
          waitReason: 'capacity',
          dispatchTime: null,
          updateTime: serverTime(),
          ...(timedOut ? { steps: [...(job.steps ?? []), timedOut], currentStep: null } : {}),
        },
        ifVersion: version,
      };
      const writes: Write[] = [queued, ownerTurnWrite(access.layout.owner(job.owner), turns, pool, rank, 0)];
      if (timedOut) {
        const limit = settings.jobLimitMs(job.type);
        const outcome = { received: false };
        writes.push(stepDocumentWrite(access, id, job.attempts, timedOut, outcome, retentionDays, limit));
      }
      queuedIn = pool;
      return { writes, answer: () => ({ kind: 'queued', pool }) };
    },
    deadline,
  );
}
