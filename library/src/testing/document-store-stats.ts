/**
 * What the in-memory store was asked to do so far, counted as Firestore bills and serves it: a simulation reads the
 * cost of a design from it, and asserts that every query was served by an index.
 */
export interface DocumentStoreStats {
  /**
   * Documents read, as Firestore bills them: one per document a get or getAll asked for (found or not), one per
   * document a query returned (at least one per query), one per 1,000 documents a count matched (at least one).
   */
  readonly reads: number;
  /**
   * Documents listeners were sent, as Firestore bills them (apart from `reads`): a document listener (watch) one per
   * snapshot it gets; a listener of a document while it matches (watchMatching) one when it starts, which is its
   * first snapshot's if the document matches then, and one per snapshot after it.
   */
  readonly listenerReads: number;
  /** Documents written by creates, updates and sets. */
  readonly writes: number;
  /** Deletes. */
  readonly deletes: number;
  /** Commits applied. */
  readonly commits: number;
  /** Queries run (counts not included). */
  readonly queries: number;
  /** Counts run. */
  readonly counts: number;
  /** Queries and counts by the shape of the index that served them (see IndexShape.description). */
  readonly byShape: ReadonlyMap<string, number>;
  /** Indexes built: one per query shape first seen. */
  readonly indexes: number;
  /** Queries and counts answered by reading their whole collection (only a store made with `indexes: false`). */
  readonly scans: number;
  /**
   * Index entries queries walked over without returning them, because a filter the index does not bound refused
   * them (an inequality of a second field): the work a query does beyond its answer.
   */
  readonly skipped: number;
}

type Counter = Exclude<keyof DocumentStoreStats, 'byShape'>;

/** The counters behind DocumentStoreStats. */
export class StatsCounters {
  private readonly counters: Record<Counter, number> = {
    reads: 0,
    listenerReads: 0,
    writes: 0,
    deletes: 0,
    commits: 0,
    queries: 0,
    counts: 0,
    indexes: 0,
    scans: 0,
    skipped: 0,
  };
  private readonly shapes = new Map<string, number>();

  add(counter: Counter, by = 1): void {
    this.counters[counter] += by;
  }

  /** Counts one query or count served with the index shape described as `shape`. */
  served(shape: string): void {
    this.shapes.set(shape, (this.shapes.get(shape) ?? 0) + 1);
  }

  /** The counts as they are now (a copy: later calls do not change it). */
  snapshot(): DocumentStoreStats {
    return { ...this.counters, byShape: new Map(this.shapes) };
  }
}
