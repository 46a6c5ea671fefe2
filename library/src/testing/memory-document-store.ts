import type { Millis } from '../core/job';
import type { Clock } from '../core/ports/clock';
import {
  StoreError,
  type CommitResult,
  type DocumentData,
  type DocumentStore,
  type Filter,
  type OnListenError,
  type OnMatch,
  type Query,
  type StoredDocument,
  type Unsubscribe,
  type Version,
  type Write,
} from '../core/ports/document-store';
import { cloneData, dataEqual, frozenData, parseDocumentPath, selectFields } from './document-data';
import { StatsCounters, type DocumentStoreStats } from './document-store-stats';
import { DocumentWatchers } from './document-watchers';
import { DocumentWriteLog } from './document-write-log';
import { compareToCursor, entryOrder, placeOf, type IndexEntry, type IndexShape } from './index-shape';
import { QueryIndex } from './query-index';
import { planQuery, type QueryPlan } from './query-plan';
import { autoId, seededRandom, type RandomSource } from './seeded-random';
import { applyWrite, checkWrite, type CurrentDocument } from './write-application';

/** How a MemoryDocumentStore is made. */
export interface MemoryDocumentStoreOptions {
  /** The time of commits (and of their serverTime fields): a SimulatedClock in tests and the simulation. */
  clock: Clock;
  /** Seeds the generator of `newId()`, so a run makes the same ids every time (1 by default). */
  seed?: number;
  /**
   * Whether queries are served by indexes, built per query shape on first sight (true by default). Without them
   * every query reads its whole collection, as the reference a test compares the indexes with.
   */
  indexes?: boolean;
}

/** One document's change in a commit: as it was before the commit and after it (undefined where there is none). */
export interface DocumentChange {
  readonly path: string;
  readonly before?: DocumentData;
  readonly after?: DocumentData;
}

/** A commit as the store applied it, for the listeners of `onCommit`. */
export interface AppliedCommit {
  readonly time: Millis;
  /** One per document the commit wrote, in the order first written (before and after equal if nothing changed). */
  readonly changes: readonly DocumentChange[];
}

/** A document as the store keeps it. Its data is never changed in place: a write makes new data. */
interface Entry {
  readonly path: string;
  readonly id: string;
  readonly collection: string;
  readonly data: DocumentData;
  readonly version: Version;
}

/** Lets a call answer a microtask later, never synchronously, so concurrent calls interleave as they would. */
const hop = () => Promise.resolve();

/**
 * The document store in memory, with Firestore's semantics (conformance suite: test/store): versions that change
 * when a write changes a document, atomic commits with preconditions, Firestore's query rules, values and limits.
 * Every call answers asynchronously but at once (no latency, no timer: a simulation wraps the store to add them).
 *
 * A version is the commit's sequence number, `v1`, `v2`…: every document a commit changes gets that commit's
 * (as Firestore gives them the commit's time), and a write that leaves a document as it was keeps its version (as
 * Firestore does). A commit is applied whole, at `clock.now()`, or not at all.
 *
 * Queries are served by indexes built per query shape (collection, equality fields, order) the first time the
 * shape is asked for, then kept up to date on every write, so no query reads more than its answer (see
 * QueryIndex). Besides the port, the store shows tests and the simulation what it holds (`peek`, `peekCollection`,
 * `size`), what it was asked (`stats`), when each document was written (`writeLog`), and each commit as it is
 * applied (`onCommit`), all without a call or a hop.
 */
export class MemoryDocumentStore implements DocumentStore {
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly useIndexes: boolean;
  private readonly documents = new Map<string, Entry>();
  private readonly collections = new Map<string, Map<string, Entry>>();
  private readonly indexes = new Map<string, Map<string, QueryIndex>>();
  private readonly watchers = new DocumentWatchers();
  private readonly commitListeners = new Set<(commit: AppliedCommit) => void>();
  private readonly counters = new StatsCounters();
  private readonly log = new DocumentWriteLog();
  private commitSequence = 0;

  constructor(options: MemoryDocumentStoreOptions) {
    this.clock = options.clock;
    this.random = seededRandom(options.seed ?? 1);
    this.useIndexes = options.indexes ?? true;
  }

  // The port.

  async get(path: string): Promise<StoredDocument | undefined> {
    await hop();
    parseDocumentPath(path);
    this.counters.add('reads');
    return this.answerOf(this.documents.get(path));
  }

  async getAll(paths: readonly string[]): Promise<(StoredDocument | undefined)[]> {
    const asked = [...paths];
    await hop();
    for (const path of asked) parseDocumentPath(path);
    this.counters.add('reads', asked.length);
    return asked.map((path) => this.answerOf(this.documents.get(path)));
  }

  async query(query: Query): Promise<StoredDocument[]> {
    await hop();
    const plan = planQuery(query);
    this.counters.add('queries');
    const found = this.run(plan);
    this.counters.add('reads', Math.max(1, found.length));
    return found.map((entry) => this.answerOf(entry, plan.select));
  }

  async count(query: Query): Promise<number> {
    await hop();
    const plan = planQuery({ collection: query.collection, where: query.where });
    this.counters.add('counts');
    const count = this.countOf(plan);
    this.counters.add('reads', Math.max(1, Math.ceil(count / 1000)));
    return count;
  }

  async commit(writes: readonly Write[]): Promise<CommitResult> {
    const batch = [...writes];
    await hop();
    return this.apply(batch);
  }

  watch(path: string, onChange: (doc: StoredDocument | undefined) => void, onError: (e: Error) => void): Unsubscribe {
    try {
      parseDocumentPath(path);
    } catch (e) {
      queueMicrotask(() => onError(e as StoreError));
      return () => undefined;
    }
    return this.watchers.watch(path, this.answerOf(this.documents.get(path)), (doc) => {
      this.counters.add('listenerReads');
      onChange(doc);
    });
  }

  watchMatching(path: string, where: readonly Filter[], onMatch: OnMatch, onError: OnListenError): Unsubscribe {
    let plan: QueryPlan;
    try {
      const { collection } = parseDocumentPath(path);
      if (where.some((filter) => filter.op !== '==')) {
        throw new StoreError('invalid-argument', 'watchMatching takes equality filters only');
      }
      plan = planQuery({ collection, where });
    } catch (e) {
      queueMicrotask(() => onError(e as StoreError));
      return () => undefined;
    }
    let first = true;
    return this.watchers.watch(path, this.answerOf(this.documents.get(path)), (doc) => {
      const matching = doc !== undefined && plan.matches(doc.data, doc.id);
      if (first || matching) this.counters.add('listenerReads');
      first = false;
      if (matching) onMatch(doc);
    });
  }

  newId(): string {
    return autoId(this.random);
  }

  // What tests and the simulation observe, without a call.

  /** A copy of the document at `path`, or undefined. */
  peek(path: string): StoredDocument | undefined {
    return this.copyOf(this.documents.get(path));
  }

  /** Copies of every document of a collection (its direct children), by id. */
  peekCollection(collection: string): StoredDocument[] {
    const entries = [...(this.collections.get(collection)?.values() ?? [])];
    return entries.sort((a, b) => (a.id < b.id ? -1 : 1)).map((entry) => this.copyOf(entry));
  }

  /** How many documents the store holds, all collections together. */
  get size(): number {
    return this.documents.size;
  }

  /** What the store was asked so far (a copy). */
  get stats(): DocumentStoreStats {
    return this.counters.snapshot();
  }

  /** Every write of every document with its commit's time: the write rate of the hottest document comes from it. */
  get writeLog(): DocumentWriteLog {
    return this.log;
  }

  /** The times of the commits that wrote `path`, in order. */
  writeTimes(path: string): readonly Millis[] {
    return this.log.timesOf(path);
  }

  /** Every document path written, with the times of the commits that wrote it. */
  writtenPaths(): IterableIterator<[string, readonly Millis[]]> {
    return this.log.timesByPath().entries();
  }

  /**
   * Calls `listener` inside every commit, as it is applied (before the commit answers): invariant checkers see each
   * commit whole. The changes' data is the store's own: a listener reads it and keeps it, never changes it. A
   * listener that throws fails the process (an uncaught exception a microtask later), never the commit.
   */
  onCommit(listener: (commit: AppliedCommit) => void): Unsubscribe {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  // Commits.

  private apply(writes: readonly Write[]): CommitResult {
    if (writes.length === 0) throw new StoreError('invalid-argument', 'a commit needs at least one write');
    for (const write of writes) checkWrite(write);
    const time = this.clock.now();
    const version = `v${this.commitSequence + 1}`;
    // Each write sees the ones before it in the commit; nothing is applied until all of them passed.
    const staged = new Map<string, CurrentDocument | undefined>();
    for (const write of writes) {
      const before = staged.has(write.path) ? staged.get(write.path) : this.documents.get(write.path);
      const after = applyWrite(before, write, time);
      staged.set(write.path, after && { data: after, version });
    }
    this.commitSequence += 1;
    const changes: DocumentChange[] = [];
    for (const [path, after] of staged) {
      const before = this.documents.get(path);
      changes.push({ path, before: before?.data, after: after?.data });
      if (!dataEqual(before?.data, after?.data)) this.store(path, after?.data, version);
      this.log.record(path, time);
    }
    const deletes = writes.filter((write) => write.op === 'delete').length;
    this.counters.add('commits');
    this.counters.add('deletes', deletes);
    this.counters.add('writes', writes.length - deletes);
    this.tellListeners({ time, changes });
    return {
      time,
      versions: writes.map((write) =>
        write.op === 'delete' ? undefined : (this.documents.get(write.path)?.version ?? version),
      ),
    };
  }

  /** Makes `data` the document at `path` (or deletes it), in the maps, the indexes and the listeners. */
  private store(path: string, data: DocumentData | undefined, version: Version): void {
    const { collection, id } = parseDocumentPath(path);
    let siblings = this.collections.get(collection);
    const previous = siblings?.get(id)?.data;
    if (data) {
      const entry: Entry = { path, id, collection, data: frozenData(data), version };
      this.documents.set(path, entry);
      if (!siblings) this.collections.set(collection, (siblings = new Map<string, Entry>()));
      siblings.set(id, entry);
    } else {
      this.documents.delete(path);
      siblings?.delete(id);
    }
    for (const index of this.indexes.get(collection)?.values() ?? []) index.update(id, data, previous);
    if (this.watchers.watched(path)) this.watchers.changed(path, () => this.answerOf(this.documents.get(path)));
  }

  private tellListeners(commit: AppliedCommit): void {
    for (const listener of this.commitListeners) {
      try {
        listener(commit);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  // Queries.

  private run(plan: QueryPlan): Entry[] {
    const siblings = this.collections.get(plan.shape.collection);
    this.counters.served(plan.shape.description);
    if (plan.ids) {
      const named = plan.ids.flatMap((id) => siblings?.get(id) ?? []);
      return this.sortAndCut(plan, named);
    }
    if (!this.useIndexes) {
      this.counters.add('scans');
      return this.sortAndCut(plan, [...(siblings?.values() ?? [])]);
    }
    const { answer, skipped } = this.indexFor(plan.shape).select(plan, (id) => siblings?.get(id)?.data);
    this.counters.add('skipped', skipped);
    return answer.flatMap((entry) => siblings?.get(entry.id) ?? []);
  }

  private countOf(plan: QueryPlan): number {
    const siblings = this.collections.get(plan.shape.collection);
    this.counters.served(plan.shape.description);
    if (plan.ids || !this.useIndexes) {
      if (!plan.ids) this.counters.add('scans');
      const candidates = plan.ids ? plan.ids.flatMap((id) => siblings?.get(id) ?? []) : [...(siblings?.values() ?? [])];
      return candidates.filter((entry) => plan.matches(entry.data, entry.id)).length;
    }
    const { answer, skipped } = this.indexFor(plan.shape).count(plan, (id) => siblings?.get(id)?.data);
    this.counters.add('skipped', skipped);
    return answer;
  }

  /** The documents of `candidates` the plan matches, in its order, from its cursor, at most its limit. */
  private sortAndCut(plan: QueryPlan, candidates: readonly Entry[]): Entry[] {
    const placed: { entry: Entry; index: IndexEntry }[] = [];
    for (const entry of candidates) {
      if (!plan.matches(entry.data, entry.id)) continue;
      const place = placeOf(plan.shape, entry.data, entry.id);
      if (place) placed.push({ entry, index: place.entry });
    }
    const order = entryOrder(plan.shape);
    placed.sort((a, b) => order(a.index, b.index));
    const cursor = plan.cursor;
    const from = cursor
      ? placed.filter(({ index }) => {
          const position = compareToCursor(plan.shape, index, cursor.values);
          return cursor.inclusive ? position >= 0 : position > 0;
        })
      : placed;
    return from.slice(0, plan.limit ?? Infinity).map(({ entry }) => entry);
  }

  private indexFor(shape: IndexShape): QueryIndex {
    let ofCollection = this.indexes.get(shape.collection);
    if (!ofCollection) this.indexes.set(shape.collection, (ofCollection = new Map<string, QueryIndex>()));
    let index = ofCollection.get(shape.key);
    if (!index) {
      const siblings = this.collections.get(shape.collection);
      const documents = [...(siblings?.values() ?? [])].map((entry) => [entry.id, entry.data] as const);
      index = new QueryIndex(shape, documents);
      ofCollection.set(shape.key, index);
      this.counters.add('indexes');
    }
    return index;
  }

  /** The document as a call answers it: its frozen fields themselves, or a copy of the selected ones. */
  private answerOf(entry: Entry, select?: readonly string[]): StoredDocument;
  private answerOf(entry: Entry | undefined): StoredDocument | undefined;
  private answerOf(entry: Entry | undefined, select?: readonly string[]): StoredDocument | undefined {
    if (!entry) return undefined;
    const data = select ? selectFields(entry.data, select) : entry.data;
    return { path: entry.path, id: entry.id, data, version: entry.version };
  }

  /** A copy of the document, for tests and the simulation to look at (and change) as they like. */
  private copyOf(entry: Entry): StoredDocument;
  private copyOf(entry: Entry | undefined): StoredDocument | undefined;
  private copyOf(entry: Entry | undefined): StoredDocument | undefined {
    return entry && { ...this.answerOf(entry), data: cloneData(entry.data) };
  }
}
