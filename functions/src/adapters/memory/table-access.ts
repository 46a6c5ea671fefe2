import type { Millis } from '../../core/job';
import { sleep } from '../../core/ports/clock';
import { commitFaultError, readFaultError, type CommitOperation, type RepositoryFaults } from './faults';
import type { JobFields, JobTable, TableRead, TableWrite } from './job-table';
import { isLostRace, isTransientStoreError } from './memory-store-errors';
import type { RandomSource } from './seeded-random';
import type { Caller } from './simulated-process';

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

/** A commit that was applied (an ambiguous one included): which operation, on which job, when. */
export interface CommitRecord {
  operation: CommitOperation;
  jobId: string;
  time: Millis;
}

/** What every view of one in-memory repository shares: the jobs, the faults, the ids' source and the records. */
export interface MemoryStore {
  readonly table: JobTable;
  readonly faults: RepositoryFaults;
  readonly random: RandomSource;
  /** Every commit applied, in order. */
  readonly commits: CommitRecord[];
  /** Single-job reads made (the ones faults can hit), for cost counts. */
  readCount: number;
}

/** A write a transaction makes: fields to update, or the job's deletion. */
export type TransactionWrite = JobFields | 'delete';

/** What a transaction's body decides on the job it read: its answer, and the write to commit with it, if any. */
export interface TransactionOutcome<T> {
  result: T;
  write?: TransactionWrite;
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

  /** Applies one commit unless an injected fault fails it (before or, for an ambiguous one, after applying it). */
  private async commit<T>(operation: CommitOperation, id: string, apply: () => T): Promise<T> {
    await this.hop();
    const fault = this.store.faults.takeCommitFault(operation, id);
    if (fault === 'transient' || fault === 'permanent') throw commitFaultError(operation, id, fault);
    const written = apply();
    this.store.commits.push({ operation, jobId: id, time: this.caller.clock.now() });
    if (fault === 'ambiguous') throw commitFaultError(operation, id, fault);
    return written;
  }

  /** Creates the job at `id` in one commit (Firestore's `create()`): ALREADY_EXISTS if one is there. */
  async create(operation: CommitOperation, id: string, fields: JobFields): Promise<TableWrite> {
    return this.commit(operation, id, () => this.table.create(id, fields));
  }

  /** Updates the job at `id` in one commit, fenced by `lastVersion` (Firestore's precondition `lastUpdateTime`). */
  async update(operation: CommitOperation, id: string, fields: JobFields, lastVersion: number): Promise<TableWrite> {
    return this.commit(operation, id, () => this.table.update(id, fields, lastVersion));
  }

  /**
   * Runs `body` on the job and commits its write atomically with that read, as Firestore's runTransaction does:
   * a transient failure runs the whole transaction again on a fresh read (after an ambiguous commit, on the job as
   * that commit left it), up to MAX_TRANSACTION_ATTEMPTS times.
   */
  async transaction<T>(
    operation: CommitOperation,
    id: string,
    body: (read: TableRead) => TransactionOutcome<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.hop();
      const { result, write } = body(this.table.read(id));
      if (!write) return result;
      try {
        await this.commit(operation, id, () => {
          if (write === 'delete') this.table.delete(id);
          else this.table.update(id, write);
        });
        return result;
      } catch (e) {
        if (!isTransientStoreError(e) || attempt >= MAX_TRANSACTION_ATTEMPTS) throw e;
        await this.wait(transactionBackoffMs(attempt));
      }
    }
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
