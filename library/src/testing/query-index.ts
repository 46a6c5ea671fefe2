import type { DocumentData, StoreValue } from '../core/ports/document-store';
import {
  bucketOf,
  compareToCursor,
  entryOrder,
  placeOf,
  valueOf,
  type IndexEntry,
  type IndexShape,
} from './index-shape';
import type { QueryPlan } from './query-plan';
import { SortedList } from './sorted-list';
import { aboveHigh, belowLow } from './value-bounds';
import { compareValues, equalityKey } from './value-order';

/** A document's place in an index: its bucket, and its entry there once the bucket is sorted. */
interface Place {
  readonly bucket: string;
  readonly entry?: IndexEntry;
}

/** What a walk of an index found, and how many entries it passed over because another filter refused them. */
export interface IndexAnswer<T> {
  readonly answer: T;
  readonly skipped: number;
}

/** A half-open range of positions in a bucket. */
interface Span {
  readonly from: number;
  readonly to: number;
}

/**
 * One index of a collection, for one query shape: its documents bucketed by their equality fields' values, each
 * bucket a SortedList in the shape's order. It is built once from the collection and kept up to date on every
 * write of it, so a query reads only its own bucket's range (found by binary search) and a count of equalities and
 * one field's inequalities costs a few binary searches, never a walk. A bucket is sorted the first time a query
 * reads it; until then it is a set of ids: most buckets are never read (the done jobs of an index on `done`, the
 * jobs not waiting of one on `waiting`), and keeping them sorted would be most of the store's work and memory.
 */
export class QueryIndex {
  private readonly buckets = new Map<string, SortedList<IndexEntry>>();
  /** The documents of each bucket not read yet, by id (those lacking an order field among them). */
  private readonly unread = new Map<string, Set<string>>();
  private readonly places = new Map<string, Place>();
  private readonly order: (a: IndexEntry, b: IndexEntry) => number;
  /** The fields that place a document in this index: its equality fields and its order's. */
  private readonly fields: readonly string[];

  constructor(
    readonly shape: IndexShape,
    documents: Iterable<readonly [id: string, data: DocumentData]>,
  ) {
    this.order = entryOrder(shape);
    this.fields = [...shape.equalityFields, ...shape.order.map(({ field }) => field)];
    for (const [id, data] of documents) this.update(id, data);
  }

  /**
   * Follows a change of the document `id` of the collection: its new fields, or undefined once it is deleted, and
   * its fields before (undefined for a new document).
   */
  update(id: string, data: DocumentData | undefined, previous?: DocumentData): void {
    // Most writes leave an index's fields alone: nothing moves.
    if (data && previous && this.fields.every((field) => valueOf(field, data, id) === valueOf(field, previous, id))) {
      return;
    }
    const before = this.places.get(id);
    const bucket = data && bucketOf(this.shape, data, id);
    const sorted = bucket === undefined ? undefined : this.buckets.get(bucket);
    if (bucket !== undefined && !sorted) {
      if (before?.bucket === bucket) return;
      this.leave(id, before);
      let ids = this.unread.get(bucket);
      if (!ids) this.unread.set(bucket, (ids = new Set<string>()));
      ids.add(id);
      this.places.set(id, { bucket });
      return;
    }
    const after = data && sorted ? placeOf(this.shape, data, id) : undefined;
    // Fields rewritten with equal values (0 and -0, an equal map): the entry stays where it is.
    if (before?.entry && after && before.bucket === after.bucket && this.order(before.entry, after.entry) === 0) return;
    this.leave(id, before);
    if (after && sorted) {
      sorted.insert(after.entry);
      this.places.set(id, after);
    }
  }

  /** Takes the document `id` out of the bucket it was in. */
  private leave(id: string, place: Place | undefined): void {
    if (!place) return;
    if (place.entry) this.buckets.get(place.bucket)?.remove(place.entry);
    else this.unread.get(place.bucket)?.delete(id);
    this.places.delete(id);
  }

  /** The bucket `key`, sorted from its documents (`document` gives their fields) the first time it is read. */
  private bucketToRead(key: string, document: (id: string) => DocumentData | undefined): SortedList<IndexEntry> {
    let sorted = this.buckets.get(key);
    if (sorted) return sorted;
    const entries: IndexEntry[] = [];
    for (const id of this.unread.get(key) ?? []) {
      const data = document(id);
      const place = data && placeOf(this.shape, data, id);
      if (place) {
        entries.push(place.entry);
        this.places.set(id, place);
      } else {
        this.places.delete(id);
      }
    }
    this.unread.delete(key);
    sorted = new SortedList(this.order);
    for (const entry of entries.sort(this.order)) sorted.insert(entry);
    this.buckets.set(key, sorted);
    return sorted;
  }

  /**
   * The entries the plan asks for, in the shape's order, at most its limit: each bucket's range walked from its start
   * (the first field's bounds and the cursor), skipping the values a `!=` or `not-in` leaves out by binary search,
   * and checking the plan's other filters on each document (`document` gives its fields).
   */
  select(plan: QueryPlan, document: (id: string) => DocumentData | undefined): IndexAnswer<IndexEntry[]> {
    const limit = plan.limit ?? Infinity;
    let skipped = 0;
    let found: IndexEntry[] = [];
    for (const key of plan.buckets) {
      const bucket = this.bucketToRead(key, document);
      const span = this.spanOf(bucket, plan);
      const cursor = plan.cursor;
      const from = cursor
        ? Math.max(
            span.from,
            bucket.rank((entry) => {
              const order = compareToCursor(this.shape, entry, cursor.values);
              return cursor.inclusive ? order < 0 : order <= 0;
            }),
          )
        : span.from;
      let taken = 0;
      for (const entry of this.walk(bucket, plan, { from, to: span.to })) {
        if (taken >= limit) break;
        const data = document(entry.id);
        if (data && plan.matches(data, entry.id)) {
          found.push(entry);
          taken += 1;
          if (taken >= limit) break;
        } else {
          skipped += 1;
        }
      }
    }
    if (plan.buckets.length > 1) found = found.sort(this.order).slice(0, limit);
    return { answer: found, skipped };
  }

  /** How many documents the plan matches: by ranks alone when the index bounds it, else by a walk. */
  count(plan: QueryPlan, document: (id: string) => DocumentData | undefined): IndexAnswer<number> {
    if (!plan.boundedByIndex) {
      const { answer, skipped } = this.select({ ...plan, limit: undefined, cursor: undefined }, document);
      return { answer: answer.length, skipped };
    }
    let count = 0;
    for (const key of plan.buckets) {
      const bucket = this.bucketToRead(key, document);
      const span = this.spanOf(bucket, plan);
      count += Math.max(0, span.to - span.from);
      const seen = new Set<string>();
      for (const value of plan.first?.excluded ?? []) {
        const valueKey = equalityKey(value);
        if (seen.has(valueKey)) continue;
        seen.add(valueKey);
        const block = this.blockOf(bucket, value);
        count -= Math.max(0, Math.min(span.to, block.to) - Math.max(span.from, block.from));
      }
    }
    return { answer: count, skipped: 0 };
  }

  /** The positions of a bucket the first field's bounds let through (all of them without bounds). */
  private spanOf(bucket: SortedList<IndexEntry>, plan: QueryPlan): Span {
    const interval = plan.first?.interval;
    if (!interval) return { from: 0, to: bucket.size };
    if (this.shape.order[0].descending) {
      return {
        from: bucket.rank((entry) => aboveHigh(entry.keys[0], interval)),
        to: bucket.rank((entry) => !belowLow(entry.keys[0], interval)),
      };
    }
    return {
      from: bucket.rank((entry) => belowLow(entry.keys[0], interval)),
      to: bucket.rank((entry) => !aboveHigh(entry.keys[0], interval)),
    };
  }

  /** The positions of the entries whose first field equals `value`. */
  private blockOf(bucket: SortedList<IndexEntry>, value: StoreValue): Span {
    const way = this.shape.order[0].descending ? -1 : 1;
    return {
      from: bucket.rank((entry) => compareValues(entry.keys[0], value) * way < 0),
      to: bucket.rank((entry) => compareValues(entry.keys[0], value) * way <= 0),
    };
  }

  /** The entries of a span in order, each block of a value the first field's `!=` or `not-in` excludes jumped over. */
  private *walk(bucket: SortedList<IndexEntry>, plan: QueryPlan, span: Span): Generator<IndexEntry, void, undefined> {
    const excluded = new Set((plan.first?.excluded ?? []).map(equalityKey));
    let position = span.from;
    while (position < span.to) {
      let jumpTo: number | undefined;
      for (const entry of bucket.range(position, span.to)) {
        if (excluded.size > 0 && excluded.has(equalityKey(entry.keys[0]))) {
          jumpTo = this.blockOf(bucket, entry.keys[0]).to;
          break;
        }
        position += 1;
        yield entry;
      }
      if (jumpTo === undefined) return;
      position = jumpTo;
    }
  }
}
