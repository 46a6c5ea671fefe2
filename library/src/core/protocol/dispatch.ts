import type { SentJob } from '@async-jobs/contract';
import type { Millis } from '../job';
import { isLostRace, isTransientStoreError, serverTime, type CommitResult, type Write } from '../ports/document-store';
import { bounded, read } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { jobAt, sentJob, type JobAt } from './job-record';
import { lowestWaiting } from './pool-queue';
import { findFreeSlots, takeSlot, type FreeSlot } from './pool-slots';

/** A waiting job given a slot: due to be sent to its pool's worker. */
export interface DispatchedJob {
  id: string;
  type: string;
  sent: SentJob;
}

/** What to look at first: the queue (a job ending: usually nobody waits) or the slots (a create that queued). */
export type FirstLook = 'queue' | 'slots';

/** Free slots read per round: enough for the slots one call usually fills, few reads. */
const PER_ROUND = 3;
/**
 * The fewest waiting jobs a dispatch reads to choose from (a job's end as well): concurrent dispatches all read the
 * same lowest waiting jobs, and spread over those of the lowest rank (inTurnOrder), one per owner whose turn it is;
 * the more of them read, the fewer races lost. Few reads, and only an empty result to pay for when nobody waits.
 */
export const CANDIDATES_READ = 6;
/** Rounds after which a dispatch stops racing others for the same jobs; what is left is theirs or the next call's. */
const MAX_ROUNDS = 10;

/**
 * The pool's candidates in the order they get slots: by rank, and among equal ranks at random, so concurrent
 * dispatches spread over the owners whose turn it is instead of all racing for the same job.
 */
export function inTurnOrder(access: StoreAccess, waiting: readonly JobAt[]): JobAt[] {
  const keyed = waiting.map((candidate) => ({ candidate, tie: access.random() }));
  keyed.sort((a, b) => (a.candidate.job.rank ?? 0) - (b.candidate.job.rank ?? 0) || a.tie - b.tie);
  return keyed.map(({ candidate }) => candidate);
}

/** The update that dispatches a waiting job into `slot`, fenced on the job as read (still waiting). */
export function dispatchUpdate(access: StoreAccess, candidate: JobAt, slot: number): Write {
  return {
    op: 'update',
    path: access.layout.job(candidate.id),
    data: { waiting: false, waitReason: null, slot, dispatchTime: serverTime(), updateTime: serverTime() },
    ifVersion: candidate.version,
  };
}

/** The job a commit dispatched, as the write at `writeIndex` of that commit left it: due to be sent. */
export function dispatched(candidate: JobAt, commit: CommitResult, writeIndex: number, slot: number): DispatchedJob {
  const version = commit.versions[writeIndex] ?? '';
  return { id: candidate.id, type: candidate.job.type, sent: sentJob(candidate.job, version, commit.time, slot) };
}

/**
 * Gives the pool's waiting jobs free slots in turn order (inTurnOrder), up to `max` jobs or until `deadline`, and
 * returns them, due to be sent.
 * Each job takes its slot in one commit of two fenced writes: the job (still waiting, as read) and the slot (still
 * free, as read). So no slot is given twice and no job dispatched twice, and no lock is held: of two dispatches
 * racing for one job or one slot, one commit fails its fence and that dispatch moves on to the next pair, reading
 * again after a round of races.
 */
export async function dispatchWaiting(
  access: StoreAccess,
  pool: string,
  capacity: number,
  max: number,
  firstLook: FirstLook,
  deadline: Millis,
): Promise<DispatchedJob[]> {
  const sent: DispatchedJob[] = [];
  for (let round = 0; round < MAX_ROUNDS && sent.length < max && access.clock.now() < deadline; round++) {
    const want = Math.min(PER_ROUND, max - sent.length);
    let waiting: JobAt[];
    let free: FreeSlot[];
    if (firstLook === 'queue') {
      waiting = await lowestWaiting(access, pool, Math.max(want, CANDIDATES_READ), deadline);
      if (waiting.length === 0) break;
      free = await findFreeSlots(access, pool, capacity, Math.min(want, waiting.length), deadline);
    } else {
      free = await findFreeSlots(access, pool, capacity, want, deadline);
      if (free.length === 0) break;
      waiting = await lowestWaiting(access, pool, Math.max(free.length, CANDIDATES_READ), deadline);
    }
    if (waiting.length === 0 || free.length === 0) break;
    const pairs = inTurnOrder(access, waiting).slice(0, free.length);
    const outcomes = await Promise.all(pairs.map((job, i) => dispatchOne(access, job, free[i], deadline)));
    const made = outcomes.filter((outcome): outcome is DispatchedJob => outcome !== undefined);
    sent.push(...made);
    // Every pair made and the call wants more: there may be more free slots and waiting jobs. Every pair raced:
    // read again. Some made, some raced: the racers are sending what is left.
    if (made.length > 0 && made.length < pairs.length) break;
  }
  return sent;
}

/**
 * One job into one slot; undefined when a concurrent dispatch, create or cancel took the job or the slot first. A
 * commit that failed for now may have been applied: the job read back tells (it holds this slot, no longer waiting).
 */
async function dispatchOne(
  access: StoreAccess,
  candidate: JobAt,
  slot: FreeSlot,
  deadline: Millis,
): Promise<DispatchedJob | undefined> {
  const path = access.layout.job(candidate.id);
  try {
    const commit = await bounded(access, () =>
      access.store.commit([dispatchUpdate(access, candidate, slot.index), takeSlot(slot)]),
    );
    return dispatched(candidate, commit, 0, slot.index);
  } catch (e) {
    if (isLostRace(e)) return undefined;
    if (!isTransientStoreError(e)) throw e;
    const doc = await read(access, () => access.store.get(path), deadline);
    if (!doc) return undefined;
    const after = jobAt(doc);
    if (after.job.waiting !== false || after.job.slot !== slot.index || after.job.state !== 'CREATED') return undefined;
    return {
      id: after.id,
      type: after.job.type,
      sent: sentJob(after.job, after.version, after.job.dispatchTime ?? access.clock.now(), slot.index),
    };
  }
}
