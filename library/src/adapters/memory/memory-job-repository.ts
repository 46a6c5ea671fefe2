import type { CreateJobRequest, JobError, JobProgress, JobState } from '@async-jobs/contract';
import type { Job, JobDurations, JobOutcome, JobWithId, Millis } from '../../core/job';
import type { Clock } from '../../core/ports/clock';
import type {
  Admission,
  AttemptRef,
  AttemptWriteResult,
  CancelResult,
  ClaimResult,
  CreateResult,
  DeleteResult,
  DispatchResult,
  JobRead,
  JobRepository,
  PageCursor,
  RecoveryResult,
  Unsubscribe,
} from '../../core/ports/job-repository';
import type { RecoveryAction } from '../../core/recovery';
import { AdmissionCounters } from './admission-counters';
import { DocumentPaths } from './document-paths';
import { DocumentWriteLog } from './document-write-log';
import { RepositoryFaults, type CommitOperation } from './faults';
import { JobTable } from './job-table';
import { MemoryAttemptOperations } from './memory-attempt-operations';
import { MemoryDispatchOperations } from './memory-dispatch-operations';
import { MemoryOwnerOperations } from './memory-owner-operations';
import { MemorySweepOperations } from './memory-sweep-operations';
import { MemoryWaitOperations } from './memory-wait-operations';
import { seededRandom } from './seeded-random';
import { immortalCaller, type Caller } from './simulated-process';
import { TableAccess, type CommitRecord, type MemoryStore } from './table-access';
import { WaitPlaces } from './wait-places';
import { WorkerSlots } from './worker-slots';

export interface MemoryJobRepositoryOptions {
  /** The server's clock: createTime, updateTime, startTime and doneTime are its time at the commit. */
  clock: Clock;
  /** Seeds the job ids, claim ids, admission shard orders and slot choices, so a run is reproducible; 1 by default. */
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
 * - Jobs are stored and handed out as deep copies; `peek`, `commits`, `writes`, `readCount` and the scheduling
 *   views (`waitingIds`, `frontier`, `slotHolders`, `admissionCount`, `waitPlaces`) let a test or the simulation
 *   look without calling the port.
 */
export class MemoryJobRepository implements JobRepository {
  private readonly owner: MemoryOwnerOperations;
  private readonly waits: MemoryWaitOperations;
  private readonly dispatch: MemoryDispatchOperations;
  private readonly attempts: MemoryAttemptOperations;
  private readonly sweep: MemorySweepOperations;

  private constructor(
    private readonly store: MemoryStore,
    private readonly caller: Caller,
  ) {
    const access = new TableAccess(store, caller);
    this.owner = new MemoryOwnerOperations(access);
    this.waits = new MemoryWaitOperations(access);
    this.dispatch = new MemoryDispatchOperations(access);
    this.attempts = new MemoryAttemptOperations(access);
    this.sweep = new MemorySweepOperations(access);
  }

  /** A repository with no jobs. Its own calls never die; `forProcess` gives a process's view of it. */
  static create(options: MemoryJobRepositoryOptions): MemoryJobRepository {
    const random = seededRandom(options.seed ?? 1);
    const store: MemoryStore = {
      table: new JobTable(options.clock, options.collection),
      paths: new DocumentPaths(options.collection),
      admission: new AdmissionCounters(),
      slots: new WorkerSlots(random),
      waits: new WaitPlaces(),
      faults: new RepositoryFaults(),
      random,
      commits: [],
      writes: new DocumentWriteLog(),
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

  /**
   * Every document write so far, by path (see `paths`: the jobs, the owners' documents and admission shards, the
   * pools' worker slots), with its simulated time: `busiest(1000)` is the hottest document's peak rate.
   */
  get writes(): DocumentWriteLog {
    return this.store.writes;
  }

  /** The simulated times of every document's commits, by path (`writes.timesByPath()`). */
  commitTimesByDocument(): Map<string, readonly Millis[]> {
    return this.store.writes.timesByPath();
  }

  /** The paths the commits and `writes` name the documents by. */
  get paths(): DocumentPaths {
    return this.store.paths;
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

  /** Ids of the jobs waiting in `pool`'s fair queue, in the order they get slots. */
  waitingIds(pool: string): string[] {
    return this.store.table.queues.waitingIds(pool);
  }

  /** The highest rank ever dispatched in `pool` (0 before any). */
  frontier(pool: string): number {
    return this.store.table.queues.frontier(pool);
  }

  /** Who holds each slot of `pool` ever used, by index (undefined: free). */
  slotHolders(pool: string): (string | undefined)[] {
    return this.store.slots.holdersOf(pool);
  }

  /** How many jobs the owner's admission shards count, all together (its jobs not done). */
  admissionCount(owner: string): number {
    return this.store.admission.total(owner);
  }

  /** The owner's admission shards that count a job, shard → count. */
  admissionShards(owner: string): Map<number, number> {
    return this.store.admission.shardsOf(owner);
  }

  /** The owner's wait places, token → expiry. */
  waitPlaces(owner: string): ReadonlyMap<string, Millis> {
    return this.store.waits.placesOf(owner);
  }

  newJobId(): string {
    return this.owner.newJobId();
  }

  create(id: string, owner: string, request: CreateJobRequest, admission: Admission): Promise<CreateResult> {
    return this.caller.guard(this.owner.create(id, owner, request, admission));
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

  acquireWait(owner: string, token: string, now: Millis, expireAt: Millis, maxWaits: number): Promise<boolean> {
    return this.caller.guard(this.waits.acquireWait(owner, token, now, expireAt, maxWaits));
  }

  releaseWait(owner: string, token: string): Promise<void> {
    return this.caller.guard(this.waits.releaseWait(owner, token));
  }

  dispatchNext(pool: string, capacity: number, now: Millis): Promise<DispatchResult> {
    return this.caller.guard(this.dispatch.dispatchNext(pool, capacity, now));
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

  renewLease(at: AttemptRef, leaseExpireTime: Millis): Promise<AttemptWriteResult> {
    return this.caller.guard(this.attempts.renewLease(at, leaseExpireTime));
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
