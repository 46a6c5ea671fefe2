import type { Millis } from '../job';
import { isLostRace, type StoredDocument, type Write } from '../ports/document-store';
import { bounded, read } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { idOf } from './store-layout';

/**
 * A worker slot of a pool (`{pools}/{pool}/slots/{index}`): `held` while a job holds it. A pool has one per unit of
 * its capacity (instances × concurrency); a job is sent to a worker only while it holds one, so no more are in
 * flight than the workers can run. Which job holds a slot is on the job (`slot`), not here: a job that ends hands
 * its slot to the next waiting job in the commit that ends it, without writing the slot, so in a busy pool slot
 * documents are not written at all, and in a quiet one a slot is written when a job takes it and when it is given
 * back.
 */
export interface SlotDocument {
  index: number;
  held: boolean;
}

/** A free slot as read, with the version that fences taking it. */
export interface FreeSlot {
  index: number;
  path: string;
  version: string;
}

const asFreeSlot = (doc: StoredDocument): FreeSlot => ({
  index: (doc.data as unknown as SlotDocument).index,
  path: doc.path,
  version: doc.version,
});

/** What a slot search run beside a create's other checks waits for before it makes the pool's missing slots. */
export interface SlotMakingGate {
  /** Whether the create was admitted (never rejects): a refused create makes nothing. */
  admitted: Promise<boolean>;
  /** The check of the create's caller (CreateSettings.writesAllowed). */
  writesAllowed?: Promise<void>;
}

/** Taking a free slot: fenced on the slot as read, so no slot is ever given twice. */
export function takeSlot(slot: FreeSlot): Write {
  return { op: 'update', path: slot.path, data: { held: true }, ifVersion: slot.version };
}

/**
 * Giving back the slot a job holds, in the commit that ends the job (or takes it back): merged, so a slot document
 * removed by hand is made again rather than failing the job's end.
 */
export function freeSlot(access: StoreAccess, pool: string, index: number): Write {
  return { op: 'set', path: access.layout.slot(pool, index), data: { index, held: false }, merge: true };
}

/**
 * Pools whose slot documents this process has already made up to a capacity, by the layout of the store they are in:
 * making them costs a count and a commit, needed once per pool and capacity (a new capacity comes with a new
 * deployment, and so a new process).
 */
const slotsMade = new WeakMap<StoreAccess['layout'], Map<string, number>>();

/**
 * Up to `count` free slots of the pool below `capacity`, from a random index on (wrapping around), so concurrent
 * dispatches spread over the free slots instead of racing for the first. One or two queries; the documents are
 * made the first time the pool has none free and fewer than `capacity` exist, once `mayMake` allows it (a create's
 * admission, and the check of its caller, decided meanwhile).
 */
export async function findFreeSlots(
  access: StoreAccess,
  pool: string,
  capacity: number,
  count: number,
  deadline: Millis,
  mayMake?: SlotMakingGate,
): Promise<FreeSlot[]> {
  if (capacity < 1 || count < 1) return [];
  const found = await freeFromRandomStart(access, pool, capacity, count, deadline);
  if (found.length > 0) return found;
  const made = slotsMade.get(access.layout)?.get(pool) ?? 0;
  if (made >= capacity) return [];
  if (mayMake && !(await mayMake.admitted)) return [];
  await mayMake?.writesAllowed;
  if (!(await makeSlots(access, pool, capacity, deadline))) return [];
  return freeFromRandomStart(access, pool, capacity, count, deadline);
}

async function freeFromRandomStart(
  access: StoreAccess,
  pool: string,
  capacity: number,
  count: number,
  deadline: Millis,
): Promise<FreeSlot[]> {
  const start = Math.floor(access.random() * capacity);
  // Free slots with an index in [from, below), in index order, at most `limit`.
  const freeIn = (from: number, below: number, limit: number) =>
    read(
      access,
      () =>
        access.store.query({
          collection: access.layout.slots(pool),
          where: [
            { field: 'held', op: '==', value: false },
            { field: 'index', op: '<', value: below },
          ],
          orderBy: [{ field: 'index', direction: 'asc' }],
          ...(from > 0 ? { startAt: [from] } : {}),
          limit,
        }),
      deadline,
    );
  const after = await freeIn(start, capacity, count);
  if (after.length >= count || start === 0) return after.map(asFreeSlot);
  const before = await freeIn(0, start, count - after.length);
  return [...after, ...before].map(asFreeSlot);
}

/**
 * Makes the pool's missing slot documents below `capacity`, free: each is created (never overwritten, so a slot a
 * job holds is never freed by it), one commit per hundred, and a create another process made first is skipped. A
 * count comes first, so a pool whose slots all exist costs one read. Returns whether any was missing. The pool is
 * recorded as made (`slotsMade`) only once every slot below `capacity` exists: a create that failed for another reason
 * leaves it to be made by the next call, so a process whose first try met a failing store does not go on without
 * slots, and every create queueing.
 */
async function makeSlots(access: StoreAccess, pool: string, capacity: number, deadline: Millis): Promise<boolean> {
  const collection = access.layout.slots(pool);
  const below = { collection, where: [{ field: 'index', op: '<', value: capacity }] } as const;
  // A count first (one read): the slots are usually all there, and listing them would read each.
  const existing = await read(access, () => access.store.count(below), deadline);
  const missing: number[] = [];
  if (existing < capacity) {
    const listed = await read(access, () => access.store.query({ ...below, select: ['index'] }), deadline);
    const have = new Set(listed.map((doc) => Number(idOf(doc.path))));
    for (let index = 0; index < capacity; index++) if (!have.has(index)) missing.push(index);
  }
  for (let from = 0; from < missing.length; from += 100) {
    const chunk = missing.slice(from, from + 100);
    const writes: Write[] = chunk.map((index) => ({
      op: 'create',
      path: access.layout.slot(pool, index),
      data: { index, held: false },
    }));
    // Bounded like every store call: a commit that hangs must not hold the create or the dispatch that needs a slot.
    try {
      await bounded(access, () => access.store.commit(writes));
    } catch {
      // One of them was made meanwhile (or the commit failed): made one at a time, each made at most once. One that
      // failed otherwise is not there yet: the pool is not recorded as made, so the next call makes it.
      const made = await Promise.all(
        writes.map((write) =>
          bounded(access, () => access.store.commit([write])).then(
            () => true,
            (e: unknown) => isLostRace(e),
          ),
        ),
      );
      if (made.includes(false)) return true;
    }
  }
  let made = slotsMade.get(access.layout);
  if (!made) slotsMade.set(access.layout, (made = new Map<string, number>()));
  made.set(pool, capacity);
  return missing.length > 0;
}
