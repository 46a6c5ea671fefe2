import type { JobState } from '@async-jobs/contract';
import type { Job, Millis } from '../../core/job';
import type { Clock } from '../../core/ports/clock';
import { FairQueueIndex } from './fair-queue-index';
import { MemoryStoreError } from './memory-store-errors';
import { documentBytes, MAX_DOCUMENT_BYTES, whyNotStorable } from './storable-value';

/** In a write, a time field set to the commit's own time (Firestore's FieldValue.serverTimestamp()). */
export const SERVER_TIME = Symbol('server time');
/** In a write, a field removed (Firestore's FieldValue.delete()). */
export const DELETE_FIELD = Symbol('delete field');

type ServerTimeField = 'createTime' | 'updateTime' | 'startTime' | 'doneTime' | 'dispatchTime';

/** The fields a write sets: values, SERVER_TIME for the server's time fields, DELETE_FIELD to remove one. */
export type JobFields = {
  [K in keyof Job]?: Job[K] | typeof DELETE_FIELD | (K extends ServerTimeField ? typeof SERVER_TIME : never);
};

/** A job as the table holds it, or undefined, and its version (undefined when there is no job). */
export interface TableRead {
  job: Job | undefined;
  version: number | undefined;
}

/** What a write left: the job's new version and the commit's time. */
export interface TableWrite {
  version: number;
  writeTime: Millis;
}

type Listener = (job: Job | undefined) => void;

/** A copy nobody else holds: what goes in and what comes out of the table, so callers cannot change stored jobs. */
const copy = <T>(value: T): T => structuredClone(value);

/** Adds `id` to the set under `key`, or removes it. */
function index<K>(sets: Map<K, Set<string>>, key: K, id: string, present: boolean): void {
  let set = sets.get(key);
  if (present) {
    if (!set) sets.set(key, (set = new Set()));
    set.add(id);
  } else if (set) {
    set.delete(id);
    if (set.size === 0) sets.delete(key);
  }
}

const NO_IDS: ReadonlySet<string> = new Set();

/**
 * The job documents in memory, with Firestore's single-document primitives (read, create, update with an
 * update-time precondition, delete, listen) and the indexes the repository's queries need (by owner, by state, and
 * each pool's fair queue), so no operation scans every job. Every write gets a new version from one counter, so a
 * version is never reused, even by a job deleted and made again. Server times are the clock's time at the commit.
 * Stored jobs are never changed in place: a write stores a new object, and reads and listeners get deep copies.
 */
export class JobTable {
  private readonly rows = new Map<string, { job: Job; version: number }>();
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly byState = new Map<JobState, Set<string>>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private lastVersion = 0;
  /** Each pool's waiting jobs in fair order, its owners' last waiting ranks and its frontier. */
  readonly queues = new FairQueueIndex((id) => this.rows.get(id)?.job);

  constructor(
    private readonly clock: Clock,
    /** The collection's name, which counts in a document's size. */
    readonly collection = 'jobs',
  ) {}

  /** How many jobs there are. */
  get size(): number {
    return this.rows.size;
  }

  /** A copy of the job and its version. */
  read(id: string): TableRead {
    const row = this.rows.get(id);
    return row ? { job: copy(row.job), version: row.version } : { job: undefined, version: undefined };
  }

  /** The stored job itself, for the adapter's queries only: never handed out or changed. */
  view(id: string): Readonly<Job> | undefined {
    return this.rows.get(id)?.job;
  }

  /** Creates the job at `id`; fails with ALREADY_EXISTS if there is one. */
  create(id: string, fields: JobFields): TableWrite {
    if (this.rows.has(id)) throw new MemoryStoreError('already-exists', `jobs/${id} already exists`);
    return this.store(id, undefined, fields);
  }

  /**
   * Updates the job at `id`: fails with NOT_FOUND if there is none, and with FAILED_PRECONDITION if `lastVersion` is
   * given and the job's version is another (it was written since).
   */
  update(id: string, fields: JobFields, lastVersion?: number): TableWrite {
    const row = this.rows.get(id);
    if (!row) throw new MemoryStoreError('not-found', `no job at jobs/${id} to update`);
    if (lastVersion !== undefined && row.version !== lastVersion) {
      throw new MemoryStoreError('failed-precondition', `jobs/${id} changed since version ${lastVersion}`);
    }
    return this.store(id, row.job, fields);
  }

  /** Deletes the job at `id` (nothing happens if there is none, as in Firestore). */
  delete(id: string): void {
    const row = this.rows.get(id);
    if (!row) return;
    this.rows.delete(id);
    this.reindex(id, row.job, undefined);
    this.notify(id, undefined);
  }

  /** Ids of the owner's jobs. */
  idsOfOwner(owner: string): ReadonlySet<string> {
    return this.byOwner.get(owner) ?? NO_IDS;
  }

  /** Ids of the jobs in `state`. */
  idsInState(state: JobState): ReadonlySet<string> {
    return this.byState.get(state) ?? NO_IDS;
  }

  /**
   * Calls `listener` with the job as it is now (undefined if there is none) and then after every write (undefined
   * once it is deleted), each time from a microtask, so never before `watch` returns; stops when unsubscribed.
   */
  watch(id: string, listener: Listener): () => void {
    let active = true;
    const deliver: Listener = (job) => queueMicrotask(() => active && listener(job));
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(deliver);
    const row = this.rows.get(id);
    deliver(row && copy(row.job));
    return () => {
      active = false;
      const current = this.listeners.get(id);
      current?.delete(deliver);
      if (current?.size === 0) this.listeners.delete(id);
    };
  }

  private store(id: string, before: Job | undefined, fields: JobFields): TableWrite {
    const writeTime = this.clock.now();
    const after: Record<string, unknown> = { ...before };
    for (const [key, value] of Object.entries(fields)) {
      if (value === DELETE_FIELD) {
        delete after[key];
      } else if (value === SERVER_TIME) {
        after[key] = writeTime;
      } else {
        const why = whyNotStorable(value, key);
        if (why) throw new MemoryStoreError('invalid-argument', `jobs/${id}: ${why}`);
        after[key] = copy(value);
      }
    }
    const bytes = documentBytes(this.collection, id, after);
    if (bytes > MAX_DOCUMENT_BYTES) {
      throw new MemoryStoreError('invalid-argument', `jobs/${id} would be ${bytes} bytes; the limit is 1 MiB`);
    }
    const job = after as unknown as Job;
    const version = ++this.lastVersion;
    this.rows.set(id, { job, version });
    this.reindex(id, before, job);
    this.notify(id, job);
    return { version, writeTime };
  }

  private reindex(id: string, before: Job | undefined, after: Job | undefined): void {
    if (before?.owner !== after?.owner) {
      if (before) index(this.byOwner, before.owner, id, false);
      if (after) index(this.byOwner, after.owner, id, true);
    }
    if (before?.state !== after?.state) {
      if (before) index(this.byState, before.state, id, false);
      if (after) index(this.byState, after.state, id, true);
    }
    this.queues.reindex(id, before, after);
  }

  private notify(id: string, job: Job | undefined): void {
    const set = this.listeners.get(id);
    if (!set) return;
    for (const deliver of set) deliver(job && copy(job));
  }
}
