import { sleep } from '../../library/src/core/ports/clock';
import {
  StoreError,
  type CommitResult,
  type DocumentStore,
  type Filter,
  type OnListenError,
  type OnMatch,
  type Query,
  type StoredDocument,
  type Unsubscribe,
  type Write,
} from '../../library/src/core/ports/document-store';
import type { MemoryDocumentStore } from '../../library/src/testing/memory-document-store';
import type { RandomSource } from '../../library/src/testing/seeded-random';
import type { SimulatedClock } from '../../library/src/testing/simulated-clock';
import type { FirestoreParameters, Latency } from './firestore-parameters';

/** A lognormal draw of a latency with the given median and spread. */
function draw(random: RandomSource, latency: Latency): number {
  // Box–Muller: one standard normal from two uniforms.
  const u = Math.max(1e-12, random());
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return latency.medianMs * Math.exp(latency.sigma * z);
}

/** One document's write budget: commits to it one at a time, at a sustained rate with a burst allowance. */
interface DocumentBudget {
  /** When the commit holding it lets go. */
  busyUntil: number;
  /** The generic cell rate algorithm's theoretical arrival time of the next write. */
  nextWriteAt: number;
}

/** What the model counted, beyond the store's own stats. */
export interface FirestoreModelStats {
  /** Commits aborted at random (the scenario's rate). */
  aborted: number;
  /** Commits aborted because their documents were not free within the contention timeout. */
  contended: number;
  /** Commits applied whose answer was lost. */
  ambiguous: number;
  /** Total time commits waited for their documents, and the longest wait. */
  waitedMs: number;
  longestWaitMs: number;
}

/**
 * Firestore as production charges for it, around the in-memory store (which keeps Firestore's semantics): every call
 * takes a round trip drawn from measured latencies; a commit must have each document it writes to itself (commits to one document are serialized, each holding it for
 * `commitHoldMs`) within the document's write rate (a sustained rate with a burst allowance, Firestore's documented
 * limit); a commit that cannot have its documents within the contention timeout is aborted, as Firestore aborts a
 * contended commit; and a share of commits is aborted or loses its answer at random, as the scenario says. Listeners
 * hear of a change after a drawn notice time, in order. Nothing of the code under test knows: it sees the port.
 */
export class FirestoreModel implements DocumentStore {
  readonly stats: FirestoreModelStats = { aborted: 0, contended: 0, ambiguous: 0, waitedMs: 0, longestWaitMs: 0 };
  private readonly budgets = new Map<string, DocumentBudget>();
  /** Contended commits by the collection of the document that held them up. */
  readonly contendedBy = new Map<string, number>();

  constructor(
    readonly inner: MemoryDocumentStore,
    private readonly clock: SimulatedClock,
    private readonly parameters: FirestoreParameters,
    private readonly random: RandomSource,
  ) {}

  /** A round trip's time, drawn. */
  private roundTrip(latency: Latency): Promise<void> {
    return sleep(this.clock, draw(this.random, latency));
  }

  /**
   * A read: served as the call is made, answered a round trip later. (The server's read comes halfway; serving it at
   * once gives one timer per call instead of two, and only makes what the caller reads a few ms staler, which makes
   * races likelier, never rarer.)
   */
  private async read<T>(latency: Latency, work: () => Promise<T>): Promise<T> {
    const answer = await work();
    await this.roundTrip(latency);
    return answer;
  }

  get(path: string): Promise<StoredDocument | undefined> {
    return this.read(this.parameters.get, () => this.inner.get(path));
  }

  getAll(paths: readonly string[]): Promise<(StoredDocument | undefined)[]> {
    return this.read(this.parameters.get, () => this.inner.getAll(paths));
  }

  query(query: Query): Promise<StoredDocument[]> {
    return this.read(this.parameters.query, () => this.inner.query(query));
  }

  count(query: Query): Promise<number> {
    return this.read(this.parameters.count, () => this.inner.count(query));
  }

  private budgetOf(path: string): DocumentBudget {
    let budget = this.budgets.get(path);
    if (!budget) {
      budget = { busyUntil: 0, nextWriteAt: 0 };
      this.budgets.set(path, budget);
    }
    return budget;
  }

  async commit(writes: readonly Write[]): Promise<CommitResult> {
    const { commit, commitPerWriteMs, documentWrites, commitHoldMs, contentionTimeoutMs } = this.parameters;
    const latency = { ...commit, medianMs: commit.medianMs + commitPerWriteMs * writes.length };
    if (this.random() < this.parameters.abortRate) {
      this.stats.aborted += 1;
      await this.roundTrip(latency);
      throw new StoreError('aborted', 'the commit was aborted (the simulation draws a share of commits to abort)');
    }
    // The earliest moment every document of the commit is free and within its write rate.
    const arrived = this.clock.now();
    const interval = 1000 / documentWrites.perSecond;
    const tolerance = (documentWrites.burst - 1) * interval;
    const paths = [...new Set(writes.map((write) => write.path))];
    let start = arrived;
    for (const path of paths) {
      const budget = this.budgetOf(path);
      start = Math.max(start, budget.busyUntil, budget.nextWriteAt - tolerance);
    }
    const wait = start - arrived;
    if (wait > contentionTimeoutMs) {
      this.stats.contended += 1;
      await this.roundTrip(latency);
      for (const path of paths) {
        const budget = this.budgetOf(path);
        if (Math.max(budget.busyUntil, budget.nextWriteAt - tolerance) - arrived > contentionTimeoutMs) {
          const kind = path.replace(/\/[^/]*$/, '/*');
          this.contendedBy.set(kind, (this.contendedBy.get(kind) ?? 0) + 1);
        }
      }
      throw new StoreError(
        'aborted',
        `too much contention: the commit's documents were not free within ${contentionTimeoutMs} ms`,
      );
    }
    // Every commit holds its documents while it is checked and applied; only one that is applied spends their write
    // rate (a commit whose precondition fails writes nothing to replicate or index).
    for (const path of paths) this.budgetOf(path).busyUntil = start + commitHoldMs;
    this.stats.waitedMs += wait;
    this.stats.longestWaitMs = Math.max(this.stats.longestWaitMs, wait);
    if (wait > 0) await sleep(this.clock, wait);
    const result = await this.inner.commit(writes);
    const appliedAt = this.clock.now();
    for (const path of paths) {
      const budget = this.budgetOf(path);
      budget.nextWriteAt = Math.max(budget.nextWriteAt, appliedAt) + interval;
    }
    await this.roundTrip(latency);
    if (this.random() < this.parameters.ambiguousRate) {
      this.stats.ambiguous += 1;
      throw new StoreError('unavailable', 'the commit was applied and its answer lost (drawn by the simulation)');
    }
    return result;
  }

  watch(path: string, onChange: (doc: StoredDocument | undefined) => void, onError: (e: Error) => void): Unsubscribe {
    return this.listen((heard) => this.inner.watch(path, heard(onChange), onError));
  }

  watchMatching(path: string, where: readonly Filter[], onMatch: OnMatch, onError: OnListenError): Unsubscribe {
    return this.listen((heard) => this.inner.watchMatching(path, where, heard(onMatch), onError));
  }

  /**
   * A listener whose every snapshot is heard a drawn latency later, in order: a later change is never heard before an
   * earlier one.
   */
  private listen(start: (heard: <T>(callback: (value: T) => void) => (value: T) => void) => Unsubscribe): Unsubscribe {
    let stopped = false;
    let lastNoticeAt = 0;
    const unsubscribe = start(<T>(callback: (value: T) => void) => (value: T) => {
      const at = Math.max(lastNoticeAt, this.clock.now() + draw(this.random, this.parameters.listen));
      lastNoticeAt = at;
      this.clock.setTimer(at - this.clock.now(), () => {
        if (!stopped) callback(value);
      });
    });
    return () => {
      stopped = true;
      unsubscribe();
    };
  }

  newId(): string {
    return this.inner.newId();
  }
}
