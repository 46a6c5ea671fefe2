import type { CreateJobRequest, JobError, JobProgress, JobState } from '@async-jobs/contract';
import type { Job, JobDurations, JobOutcome, JobWithId, Millis } from '../../core/job';
import type { Clock } from '../../core/ports/clock';
import type {
  AttemptRef,
  AttemptWriteResult,
  CancelResult,
  ClaimResult,
  CreateResult,
  DeleteResult,
  JobRead,
  JobRepository,
  PageCursor,
  RecoveryResult,
  Unsubscribe,
} from '../../core/ports/job-repository';
import type { RecoveryAction } from '../../core/recovery';
import { RepositoryFaults, type CommitOperation } from './faults';
import { JobTable } from './job-table';
import { MemoryAttemptOperations } from './memory-attempt-operations';
import { MemoryOwnerOperations } from './memory-owner-operations';
import { MemorySweepOperations } from './memory-sweep-operations';
import { seededRandom } from './seeded-random';
import { immortalCaller, type Caller } from './simulated-process';
import { TableAccess, type CommitRecord, type MemoryStore } from './table-access';

export interface MemoryJobRepositoryOptions {
  /** The server's clock: createTime, updateTime, startTime and doneTime are its time at the commit. */
  clock: Clock;
  /** Seeds the job ids and claim ids, so a run is reproducible; 1 by default. */
  seed?: number;
  /** The collection's name, which counts in a document's size; `jobs` by default. */
  collection?: string;
}

/**
 * The JobRepository in memory, for tests and the simulation: the same answers as the Firestore adapter for the same
 * calls (the contract suite in test/contract runs on both), on the injected clock, without an emulator.
 *
 * - Every call answers asynchronously, so concurrent calls interleave as they do against Firestore.
 * - Versions are numbers; every write makes a new one.
 * - `faults` makes chosen reads and commits fail (for now, for good, or after being applied), and the repository
 *   retries them exactly as the Firestore adapter does, its waits on the caller's clock.
 * - `forProcess(process)` is the repository as one simulated process reaches it: once the process is killed, its
 *   calls never answer, it commits nothing more, and its listeners stop.
 * - Jobs are stored and handed out as deep copies; `peek`, `commits` and `readCount` let a test look without
 *   calling the port.
 */
export class MemoryJobRepository implements JobRepository {
  private readonly owner: MemoryOwnerOperations;
  private readonly attempts: MemoryAttemptOperations;
  private readonly sweep: MemorySweepOperations;

  private constructor(
    private readonly store: MemoryStore,
    private readonly caller: Caller,
  ) {
    const access = new TableAccess(store, caller);
    this.owner = new MemoryOwnerOperations(access);
    this.attempts = new MemoryAttemptOperations(access);
    this.sweep = new MemorySweepOperations(access);
  }

  /** A repository with no jobs. Its own calls never die; `forProcess` gives a process's view of it. */
  static create(options: MemoryJobRepositoryOptions): MemoryJobRepository {
    const store: MemoryStore = {
      table: new JobTable(options.clock, options.collection),
      faults: new RepositoryFaults(),
      random: seededRandom(options.seed ?? 1),
      commits: [],
      readCount: 0,
    };
    return new MemoryJobRepository(store, immortalCaller(options.clock));
  }

  /** The same jobs, reached by `caller` (a SimulatedProcess): its waits on its clock, and nothing after its kill. */
  forProcess(caller: Caller): MemoryJobRepository {
    return new MemoryJobRepository(this.store, caller);
  }

  /** The faults injected into this repository's reads and commits (shared by every view of it). */
  get faults(): RepositoryFaults {
    return this.store.faults;
  }

  /** Every commit applied, in order. */
  get commits(): readonly CommitRecord[] {
    return this.store.commits;
  }

  /** The commits applied to one job, of one operation if given. */
  commitsOf(jobId: string, operation?: CommitOperation): CommitRecord[] {
    return this.store.commits.filter(
      (c) => c.jobId === jobId && (operation === undefined || c.operation === operation),
    );
  }

  /** Single-job reads made so far. */
  get readCount(): number {
    return this.store.readCount;
  }

  /** How many jobs there are. */
  get size(): number {
    return this.store.table.size;
  }

  /** A copy of the job as stored now, read without a call (no hop, no fault). */
  peek(id: string): Job | undefined {
    return this.store.table.read(id).job;
  }

  /** Ids of the jobs in `state` now. */
  idsInState(state: JobState): string[] {
    return [...this.store.table.idsInState(state)];
  }

  newJobId(): string {
    return this.owner.newJobId();
  }

  create(id: string, owner: string, request: CreateJobRequest, maxActiveJobs: number): Promise<CreateResult> {
    return this.caller.guard(this.owner.create(id, owner, request, maxActiveJobs));
  }

  get(id: string): Promise<Job | undefined> {
    return this.caller.guard(this.owner.get(id));
  }

  cancel(id: string, owner: string, now: Millis, retentionDays: number): Promise<CancelResult> {
    return this.caller.guard(this.owner.cancel(id, owner, now, retentionDays));
  }

  deleteIfDone(id: string, owner: string): Promise<DeleteResult> {
    return this.caller.guard(this.owner.deleteIfDone(id, owner));
  }

  listByOwner(owner: string, pageSize: number, after?: PageCursor): Promise<{ jobs: JobWithId[]; next?: PageCursor }> {
    return this.caller.guard(this.owner.listByOwner(owner, pageSize, after));
  }

  /** Follows one job; the table's listeners never fail, so `onError` is never called. */
  watch(id: string, onChange: (job: Job | undefined) => void): Unsubscribe {
    if (!this.caller.isAlive()) return () => undefined;
    const unsubscribe = this.store.table.watch(id, onChange);
    const forget = this.caller.onKill(unsubscribe);
    return () => {
      forget();
      unsubscribe();
    };
  }

  read(id: string): Promise<JobRead> {
    return this.caller.guard(this.attempts.read(id));
  }

  claim(id: string, now: Millis, leaseMs: number, seen?: JobRead): Promise<ClaimResult> {
    return this.caller.guard(this.attempts.claim(id, now, leaseMs, seen));
  }

  finish(
    at: AttemptRef,
    outcome: JobOutcome,
    now: Millis,
    retentionDays: number,
    durations?: JobDurations,
  ): Promise<AttemptWriteResult> {
    return this.caller.guard(this.attempts.finish(at, outcome, now, retentionDays, durations));
  }

  requeue(at: AttemptRef, error: JobError, dispatchAt: Millis): Promise<AttemptWriteResult> {
    return this.caller.guard(this.attempts.requeue(at, error, dispatchAt));
  }

  writeProgress(at: AttemptRef, progress: JobProgress): Promise<AttemptWriteResult> {
    return this.caller.guard(this.attempts.writeProgress(at, progress));
  }

  isTransientError(e: unknown): boolean {
    return this.attempts.isTransientError(e);
  }

  queuedBefore(time: Millis, limit: number): Promise<string[]> {
    return this.caller.guard(this.sweep.queuedBefore(time, limit));
  }

  leaseExpiredBefore(time: Millis, limit: number): Promise<string[]> {
    return this.caller.guard(this.sweep.leaseExpiredBefore(time, limit));
  }

  recoverJob(
    id: string,
    now: Millis,
    retentionDays: number,
    decide: (job: Job) => RecoveryAction,
  ): Promise<RecoveryResult | undefined> {
    return this.caller.guard(this.sweep.recoverJob(id, now, retentionDays, decide));
  }
}
