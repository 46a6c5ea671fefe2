import type { RandomSource } from './seeded-random';

/** One pool's slots: who holds each index made so far, and the free ones, unordered. */
interface PoolSlots {
  holders: (string | undefined)[];
  free: number[];
  /** Where each free index is in `free`, so taking one is O(1). */
  freeAt: Map<number, number>;
}

/**
 * The worker slots of each pool (a document per slot in Firestore): a dispatched job holds one until the write that
 * ends it frees it. As the Firestore adapter's PoolSlots, the slots are made when a dispatch first finds none free,
 * all of them up to the capacity, and a dispatch takes a random free one below the capacity at that moment (so
 * concurrent dispatches and their writes spread over the slots); slots at or above a lowered capacity are never
 * given, though their jobs keep them until they end.
 */
export class WorkerSlots {
  private readonly pools = new Map<string, PoolSlots>();

  constructor(private readonly random: RandomSource) {}

  /** A random free slot of `pool` below `capacity`, made if need be, without taking it; undefined if none is free. */
  freeBelow(pool: string, capacity: number): number | undefined {
    const slots = this.slotsOf(pool);
    let free = this.freeIndexesBelow(slots, capacity);
    if (free.length === 0 && slots.holders.length < capacity) {
      while (slots.holders.length < capacity) this.addFree(slots, slots.holders.push(undefined) - 1);
      free = this.freeIndexesBelow(slots, capacity);
    }
    return free.length === 0 ? undefined : free[Math.floor(this.random() * free.length)];
  }

  /** Gives free slot `index` of `pool` (see freeBelow) to `jobId`. */
  take(pool: string, index: number, jobId: string): void {
    const slots = this.slotsOf(pool);
    const at = slots.freeAt.get(index);
    if (at === undefined || slots.holders[index] !== undefined) throw new Error(`slot ${index} of ${pool} is not free`);
    const last = slots.free.pop() as number;
    if (last !== index) {
      slots.free[at] = last;
      slots.freeAt.set(last, at);
    }
    slots.freeAt.delete(index);
    slots.holders[index] = jobId;
  }

  /** Frees slot `index` of `pool` if `jobId` holds it; answers whether it did. */
  release(pool: string, index: number, jobId: string): boolean {
    const slots = this.pools.get(pool);
    if (!slots || slots.holders[index] !== jobId) return false;
    slots.holders[index] = undefined;
    this.addFree(slots, index);
    return true;
  }

  /** Who holds each slot of `pool` made so far, by index (undefined: free). */
  holdersOf(pool: string): (string | undefined)[] {
    return [...(this.pools.get(pool)?.holders ?? [])];
  }

  private freeIndexesBelow(slots: PoolSlots, capacity: number): readonly number[] {
    return slots.holders.length <= capacity ? slots.free : slots.free.filter((index) => index < capacity);
  }

  private addFree(slots: PoolSlots, index: number): void {
    slots.freeAt.set(index, slots.free.length);
    slots.free.push(index);
  }

  private slotsOf(pool: string): PoolSlots {
    let slots = this.pools.get(pool);
    if (!slots) this.pools.set(pool, (slots = { holders: [], free: [], freeAt: new Map() }));
    return slots;
  }
}
