import { FieldPath } from 'firebase-admin/firestore';
import type { Millis } from '../../core/job';
import type { DispatchOperations, DispatchResult } from '../../core/ports/job-repository';
import {
  afterLostRace,
  grpcCode,
  isTransientError,
  lostRace,
  MAX_TRIES,
  NOT_FOUND,
  transientBackoff,
} from './commit-errors';
import { serverTime, timestamp } from './job-codec';
import type { JobsCollection } from './jobs-collection';
import { PoolSlots } from './pool-slots';
import type { SchedulingCollections } from './scheduling-collections';

/** Waiting jobs a dispatch reads after a lost race, lowest rank first, to take one at random (see below). */
const CANDIDATES = 5;
/**
 * How often a dispatch queries again after its slot or its job was taken by concurrent dispatches. Each lost race
 * is another dispatch's win, so past this many the others are sending the pool's jobs; this one stops, and what
 * is left is sent by the next create, end or sweep.
 */
const MAX_RACES = 20;

/** A try's answer: a result, or undefined when a concurrent dispatch took the slot or the job first. */
type DispatchTry = DispatchResult | undefined;

/**
 * The pool's fair queue meeting its worker slots, on Firestore. A dispatch queries the pool's lowest-ranked
 * waiting job and its free slots, and commits in one batch the slot's `jobId` and the job's `slot` (no longer
 * waiting, its dispatch time now), each update fenced by the update time the queries read: if the slot was taken
 * or the job dispatched or cancelled since, the batch fails whole and the dispatch queries again. So no slot is
 * given twice and no job dispatched twice, and no lock is held: concurrent dispatches never wait on each other,
 * one of them wins each race.
 *
 * The slot is a random one of the free slots read, so concurrent dispatches spread over them. A dispatch that lost
 * a race takes a random job among the lowest-ranked ones there are free slots for, rather than the lowest, which
 * the dispatches it raced are likely after too: each of those jobs gets a slot in this round, so the order among
 * them is all that changes.
 */
export class FirestoreDispatchOperations implements DispatchOperations {
  private readonly slots: PoolSlots;

  constructor(
    private readonly docs: JobsCollection,
    collections: SchedulingCollections,
    private readonly random: () => number = Math.random,
  ) {
    this.slots = new PoolSlots(collections);
  }

  async dispatchNext(pool: string, capacity: number, now: Millis): Promise<DispatchResult> {
    let failures = 0;
    for (let races = 0; races < MAX_RACES;) {
      let outcome: DispatchTry;
      try {
        outcome = await this.tryDispatch(pool, capacity, now, races > 0);
      } catch (e) {
        failures += 1;
        if (!isTransientError(e) || failures >= MAX_TRIES) throw e;
        await transientBackoff(failures);
        continue;
      }
      if (outcome) return outcome;
      races += 1;
      await afterLostRace(races);
    }
    return { kind: 'no-free-slot' };
  }

  private async tryDispatch(pool: string, capacity: number, now: Millis, spread: boolean): Promise<DispatchTry> {
    const waiting = await this.docs.db
      .collection(this.docs.name)
      .where('pool', '==', pool)
      .where('waiting', '==', true)
      .orderBy('rank')
      .orderBy(FieldPath.documentId())
      .select('type')
      .limit(spread ? CANDIDATES : 1)
      .get();
    if (waiting.empty) return { kind: 'none-waiting' };
    const free = await this.slots.freeSlots(pool, capacity);
    const slot = free[Math.floor(this.random() * free.length)];
    if (!slot) return { kind: 'no-free-slot' };
    const pick = spread ? Math.floor(this.random() * Math.min(free.length, waiting.size)) : 0;
    const job = waiting.docs[pick] ?? waiting.docs[0];
    if (!job) return { kind: 'none-waiting' };
    const dispatched: DispatchResult = { kind: 'dispatched', jobId: job.id, type: String(job.get('type')) };
    const batch = this.docs.db
      .batch()
      .update(slot.ref, { jobId: job.id }, { lastUpdateTime: slot.updateTime })
      .update(
        job.ref,
        { waiting: false, waitReason: null, slot: slot.index, dispatchTime: timestamp(now), updateTime: serverTime() },
        { lastUpdateTime: job.updateTime },
      );
    try {
      await batch.commit();
      return dispatched;
    } catch (e) {
      // The slot or the job changed since the queries (or a document of theirs is gone): queried again.
      if (lostRace(e) || grpcCode(e) === NOT_FOUND) return undefined;
      // A commit can be applied although it reports an error: the job in this slot, sent at `now`, is ours.
      const { job: after } = await this.docs.read(job.id);
      if (after?.waiting === false && after.slot === slot.index && after.dispatchTime === now) return dispatched;
      throw e;
    }
  }
}
