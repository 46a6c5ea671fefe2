import { FieldPath, FieldValue } from 'firebase-admin/firestore';
import type { Millis } from '../../core/job';
import type { OwnerJobOperations } from '../../core/ports/job-repository';
import {
  afterLostRace,
  grpcCode,
  isTransientError,
  lostRace,
  MAX_TRIES,
  NOT_FOUND,
  transientBackoff,
} from './commit-errors';
import type { SchedulingCollections } from './scheduling-collections';

/** How many lost races a take of a place may go through: each one is another take or give-back that was made. */
const MAX_RACES = 50;

/**
 * The places an owner's requests waiting on jobs (`:wait`) hold, on the owner's document (`waits`: token → the
 * epoch ms its place lapses). A take reads the document and writes it back fenced by that read's update time (or
 * creates it), so of two takes at once one is decided again on a fresh read, and the limit is exact; no lock is
 * held, so concurrent takes never wait on each other. A place whose request never gave it back (its instance
 * died) counts until it lapses (a place lapsing at `now` no longer counts), and the next take drops it.
 */
export class WaitPlaces implements Pick<OwnerJobOperations, 'acquireWait' | 'releaseWait'> {
  constructor(private readonly collections: SchedulingCollections) {}

  async acquireWait(owner: string, token: string, now: Millis, expireAt: Millis, maxWaits: number): Promise<boolean> {
    const ref = this.collections.owner(owner);
    let failures = 0;
    for (let races = 0; ;) {
      const snap = await ref.get();
      const held = snap.data()?.waits ?? {};
      const live = Object.fromEntries(Object.entries(held).filter(([, lapses]) => lapses > now));
      // Already there: this take's own write, applied although it reported an error.
      if (live[token] === expireAt) return true;
      if (Object.keys(live).length >= maxWaits) return false;
      // The whole map is written, so the lapsed places go with this write.
      const waits = { ...live, [token]: expireAt };
      try {
        if (snap.updateTime) await ref.update({ waits }, { lastUpdateTime: snap.updateTime });
        else await ref.create({ waits });
        return true;
      } catch (e) {
        if (lostRace(e) && ++races < MAX_RACES) {
          await afterLostRace(races);
        } else if (isTransientError(e) && ++failures < MAX_TRIES) {
          await transientBackoff(failures);
        } else {
          throw e;
        }
      }
    }
  }

  async releaseWait(owner: string, token: string): Promise<void> {
    try {
      await this.collections.owner(owner).update(new FieldPath('waits', token), FieldValue.delete());
    } catch (e) {
      // No owner document: no place to give back.
      if (grpcCode(e) !== NOT_FOUND) throw e;
    }
  }
}
