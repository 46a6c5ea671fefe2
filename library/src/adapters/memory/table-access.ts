import type { Millis } from '../../core/job';
import { sleep } from '../../core/ports/clock';
import type { AdmissionCounters } from './admission-counters';
import type { DocumentPaths } from './document-paths';
import type { DocumentWriteLog } from './document-write-log';
import { commitFaultError, readFaultError, type CommitOperation, type RepositoryFaults } from './faults';
import type { JobFields, JobTable, TableRead, TableWrite } from './job-table';
import { isLostRace, isTransientStoreError } from './memory-store-errors';
import type { RandomSource } from './seeded-random';
import type { Caller } from './simulated-process';
import type { WaitPlaces } from './wait-places';
import type { WorkerSlots } from './worker-slots';

/** How often a fenced write or a read tries before it gives up: the Firestore adapter's MAX_TRIES. */
export const MAX_TRIES = 10;

/** How often a transaction runs before its error is thrown: the Admin SDK's runTransaction default. */
export const MAX_TRANSACTION_ATTEMPTS = 5;

/**
 * The wait before try `tries` + 1 after a transient error: the Firestore adapter's backoff (100 ms doubling to
 * 2 s) without its jitter, so a simulated run is reproducible.
 */
export function transientBackoffMs(tries: number): number {
  return Math.min(2000, 100 * 2 ** (tries - 1));
}

/**
 * The wait before running a transaction again after its attempt `attempt` failed: the Admin SDK's ExponentialBackoff
 * (1 s, then × 1.5, at most 60 s) without its jitter.
 */
export function transactionBackoffMs(attempt: number): number {
  return Math.min(60_000, 1000 * 1.5 ** (attempt - 1));
}

/** A commit that was applied (an ambiguous one included): which operation, about which job, when, and what it wrote. */
export interface CommitRecord {
  operation: CommitOperation;
  /** The job the commit is about; for a `wait` commit, the owner whose places it changed. */
  jobId: string;
  time: Millis;
  /** The paths of the documents it wrote: the job's, and any admission shard, worker slot or wait places. */
  documents: readonly string[];
}

/**
 * What every view of one in-memory repository shares: the jobs, the admission counts, the worker slots, the wait
 * places, the faults, the ids' source and the records.
 */
export interface MemoryStore {
  readonly table: JobTable;
  /** The paths of the documents, as the commits record them. */
  readonly paths: DocumentPaths;
  readonly admission: AdmissionCounters;
  readonly slots: WorkerSlots;
  readonly waits: WaitPlaces;
  readonly faults: RepositoryFaults;
  readonly random: RandomSource;
  /** Every commit applied, in order. */
  readonly commits: CommitRecord[];
  /** Every document write, by path, with its time. */
  readonly writes: DocumentWriteLog;
  /** Single-job reads made (the ones faults can hit), for cost counts. */
  readCount: number;
}

/** Writes to documents other than the job, made in the job's commit; answers the paths it wrote. */
export type OtherWrites = () => readonly string[];

/** A write a transaction makes: fields to update, or the job's deletion. */
export type TransactionWrite = JobFields | 'delete';

/**
 * What a transaction's body decides on the job it read: its answer, and the write to commit with it, if any, with
 * the writes to other documents that go in the same commit.
 */
export interface TransactionOutcome<T> {
  result: T;
  write?: TransactionWrite;
  alsoWrite?: OtherWrites;
}

/** A commit decided on what a transaction read: the job it is about (faults name it) and its writes. */
export interface DecidedCommit {
  jobId: string;
  /** Makes every write of the commit; answers the paths of the documents it wrote. */
  apply: () => readonly string[];
}

/** What an atomic step decides on what it read: its answer, and the commit to make with it, if any. */
export interface AtomicOutcome<T> {
  result: T;
  commit?: DecidedCommit;
}

/** A promise that never settles: what a call of a killed caller waits on. */
const never = () => new Promise<never>(() => undefined);

/**
 * One caller's access to the table, as the Firestore adapter's calls reach Firestore: every call answers after a
 * hop (never synchronously, so concurrent calls interleave), injected faults fail reads and commits, and a
 * caller that is killed makes no commit afterwards. The retries here are the Firestore adapter's and the Admin
 * SDK's (commit-errors.ts, jobs-collection.ts, runTransaction), with their waits on the caller's clock.
 */
export class TableAccess {
  constructor(
    readonly store: MemoryStore,
    readonly caller: Caller,
  ) {}

  get table(): JobTable {
    return this.store.table;
  }

  /** One asynchronous hop, after which a killed caller goes no further. */
  private async hop(): Promise<void> {
    await Promise.resolve();
    if (!this.caller.isAlive()) await never();
  }

  /** Waits `ms` on the caller's clock. */
  private wait(ms: number): Promise<void> {
    return sleep(this.caller.clock, ms);
  }

  /** Waits out a hop for a query (the sweep's, the owner's list and count), which faults do not hit. */
  async beforeQuery(): Promise<void> {
    await this.hop();
  }

  /** The job and its version, tried again after a transient error as JobsCollection.read does. */
  async read(id: string): Promise<TableRead> {
    for (let tries = 1; ; tries++) {
      await this.hop();
      this.store.readCount += 1;
      const fault = this.store.faults.takeReadFault(id);
      if (!fault) return this.table.read(id);
      const error = readFaultError(id, fault);
      if (!error.transient || tries >= MAX_TRIES) throw error;
      await this.wait(transientBackoffMs(tries));
    }
  }

  /**
   * Applies one commit at once unless an injected fault fails it (before or, for an ambiguous one, after applying
   * it), and records it with the documents it wrote. `apply` makes the writes and answers its value and the paths
   * it wrote.
   */
  private commitNow<T>(operation: CommitOperation, jobId: string, apply: () => [T, readonly string[]]): T {
    const fault = this.store.faults.takeCommitFault(operation, jobId);
    if (fault === 'transient' || fault === 'permanent') throw commitFaultError(operation, jobId, fault);
    const [value, documents] = apply();
    const time = this.caller.clock.now();
    this.store.commits.push({ operation, jobId, time, documents });
    for (const path of documents) this.store.writes.record(path, time);
    if (fault === 'ambiguous') throw commitFaultError(operation, jobId, fault);
    return value;
  }

  /** Creates the job at `id` in one commit (Firestore's `create()`): ALREADY_EXISTS if one is there. */
  async create(operation: CommitOperation, id: string, fields: JobFields): Promise<TableWrite> {
    await this.hop();
    return this.commitNow(operation, id, () => [this.table.create(id, fields), [this.store.paths.job(id)]]);
  }

  /**
   * Updates the job at `id` in one commit, fenced by `lastVersion` (Firestore's precondition `lastUpdateTime`),
   * with `alsoWrite`'s writes to other documents in the same commit (a batch): a failed fence writes nothing.
   */
  async update(
    operation: CommitOperation,
    id: string,
    fields: JobFields,
    lastVersion: number,
    alsoWrite?: OtherWrites,
  ): Promise<TableWrite> {
    await this.hop();
    return this.commitNow(operation, id, () => {
      const written = this.table.update(id, fields, lastVersion);
      return [written, [this.store.paths.job(id), ...(alsoWrite?.() ?? [])]];
    });
  }

  /**
   * An atomic step over any documents, as Firestore's runTransaction: `decide` reads what it needs and answers
   * the commit to make, and the commit is applied in the same turn, so nothing comes between its reads and its
   * writes. A transient failure runs the whole step again on fresh reads (after an ambiguous commit, on what that
   * commit left), up to MAX_TRANSACTION_ATTEMPTS times.
   */
  async atomically<T>(operation: CommitOperation, decide: () => AtomicOutcome<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.hop();
      const { result, commit } = decide();
      if (!commit) return result;
      try {
        this.commitNow(operation, commit.jobId, () => [undefined, commit.apply()]);
        return result;
      } catch (e) {
        if (!isTransientStoreError(e) || attempt >= MAX_TRANSACTION_ATTEMPTS) throw e;
        await this.wait(transactionBackoffMs(attempt));
      }
    }
  }

  /**
   * Runs `work` again while it fails for now, with the adapter's backoff on the caller's clock, up to MAX_TRIES
   * times: the Firestore adapter's retryTransient around a transaction that must still succeed when many contend
   * (a create's admission step, a dispatch, a wait place). `work` must be safe to run again after a commit that
   * reported an error yet was applied.
   */
  async retryingTransient<T>(work: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await work();
      } catch (e) {
        if (!isTransientStoreError(e) || tries >= MAX_TRIES) throw e;
        await this.wait(transientBackoffMs(tries));
      }
    }
  }

  /**
   * Runs `body` on the job and commits its write (and its writes to other documents) atomically with that read, as
   * Firestore's runTransaction does (see `atomically`).
   */
  transaction<T>(operation: CommitOperation, id: string, body: (read: TableRead) => TransactionOutcome<T>): Promise<T> {
    return this.atomically(operation, () => {
      const { result, write, alsoWrite } = body(this.table.read(id));
      if (!write) return { result };
      const apply = () => {
        if (write === 'delete') this.table.delete(id);
        else this.table.update(id, write);
        return [this.store.paths.job(id), ...(alsoWrite?.() ?? [])];
      };
      return { result, commit: { jobId: id, apply } };
    });
  }

  /**
   * After a failed fenced write, as the Firestore adapter's beforeRetryingWrite: rethrows what retrying cannot
   * mend (or after MAX_TRIES), and waits after a transient error. The caller then reads the job again, since the
   * write may have lost a race or, after a transient error, may even have been applied.
   */
  async beforeRetryingWrite(e: unknown, tries: number): Promise<void> {
    const transient = isTransientStoreError(e);
    if ((!isLostRace(e) && !transient) || tries >= MAX_TRIES) throw e;
    if (transient) await this.wait(transientBackoffMs(tries));
  }
}
