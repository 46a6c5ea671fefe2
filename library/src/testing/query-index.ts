import type { DocumentData, StoreValue } from '../core/ports/document-store';
import { compareToCursor, entryOrder, placeOf, type IndexEntry, type IndexShape } from './index-shape';
import type { QueryPlan } from './query-plan';
import { SortedList } from './sorted-list';
import { aboveHigh, belowLow } from './value-bounds';
import { compareValues, equalityKey } from './value-order';

/** A document's place in an index: its bucket and its entry there. */
interface Place {
  readonly bucket: string;
  readonly entry: IndexEntry;
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
 * one field's inequalities costs a few binary searches, never a walk.
 */
export class QueryIndex {
  private readonly buckets = new Map<string, SortedList<IndexEntry>>();
  private readonly places = new Map<string, Place>();
  private readonly order: (a: IndexEntry, b: IndexEntry) => number;

  constructor(
    readonly shape: IndexShape,
    documents: Iterable<readonly [id: string, data: DocumentData]>,
  ) {
    this.order = entryOrder(shape);
    for (const [id, data] of documents) this.update(id, data);
  }

  /** Follows a change of the document `id` of the collection: its new fields, or undefined once it is deleted. */
  update(id: string, data: DocumentData | undefined): void {
    const before = this.places.get(id);
    const after = data && placeOf(this.shape, data, id);
    // Most writes leave an index's fields alone: the entry stays where it is.
    if (before && after && before.bucket === after.bucket && this.order(before.entry, after.entry) === 0) return;
    if (before) {
      const bucket = this.buckets.get(before.bucket);
      bucket?.remove(before.entry);
      if (bucket?.size === 0) this.buckets.delete(before.bucket);
      this.places.delete(id);
    }
    if (after) {
      let bucket = this.buckets.get(after.bucket);
      if (!bucket) this.buckets.set(after.bucket, (bucket = new SortedList(this.order)));
      bucket.insert(after.entry);
      this.places.set(id, after);
    }
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
      const bucket = this.buckets.get(key);
      if (!bucket) continue;
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
      const bucket = this.buckets.get(key);
      if (!bucket) continue;
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
