import type { CreateJobRequest } from '@async-jobs/contract';
import { CANCELLED_BY_OWNER, type Job, type JobWithId, type Millis } from '../../core/job';
import type {
  Admission,
  CancelResult,
  CreateResult,
  DeleteResult,
  OwnerJobOperations,
  PageCursor,
} from '../../core/ports/job-repository';
import { isSameRequest } from '../../core/request-identity';
import { admissionShardCapacities, admissionShardOrder } from '../../core/scheduling/admission';
import { fairRank } from '../../core/scheduling/fair-queue';
import { givingBack, holdingsOf } from './job-holdings';
import { SERVER_TIME, type JobFields } from './job-table';
import { autoId } from './seeded-random';
import type { TableAccess } from './table-access';
import { terminalFields } from './terminal-fields';

/** What one admission step did: created the job, found it there already, or found the shard full with `held`. */
type ShardAdmission = { kind: 'created' } | { kind: 'exists'; job: Job } | { kind: 'shard-full'; held: number };

/** The µs since the epoch of a stored time (ms here), the precision a page cursor keeps. */
const micros = (time: Millis) => time * 1000;

/** Whether job `a` comes before job `b` in an owner's list: newer first, then the greater id first. */
function newerFirst(a: { id: string; createTimeMicros: number }, b: { id: string; createTimeMicros: number }): number {
  if (a.createTimeMicros !== b.createTimeMicros) return b.createTimeMicros - a.createTimeMicros;
  if (a.id === b.id) return 0;
  return a.id < b.id ? 1 : -1;
}

/**
 * What a job's owner does with jobs, in memory, as FirestoreOwnerOperations does it: create with its fair rank
 * (read before the admission step, as the adapter's queries are) and admission in one atomic step per shard of the
 * owner's count, requestId idempotency, cancel and delete in transactions, and the owner's list newest first with a
 * cursor.
 */
export class MemoryOwnerOperations implements Omit<OwnerJobOperations, 'watch' | 'acquireWait' | 'releaseWait'> {
  constructor(private readonly access: TableAccess) {}

  newJobId(): string {
    return autoId(this.access.store.random);
  }

  async get(id: string): Promise<Job | undefined> {
    return (await this.access.read(id)).job;
  }

  /**
   * Ranks the job in its pool's fair queue, then tries the owner's admission shards in a random order, each in one
   * atomic step that counts the job in the shard and creates it if the shard has room, so the owner's limit holds
   * exactly however many creates race. A step that finds the job already there (a racing repeat of the same request
   * made it, or this create's own step was applied although it reported an error) creates and counts nothing.
   */
  async create(id: string, owner: string, request: CreateJobRequest, admission: Admission): Promise<CreateResult> {
    const repeated = (existing: Job): CreateResult =>
      isSameRequest(existing, request) ? { kind: 'existing', job: existing } : { kind: 'request-mismatch' };
    const earlier = request.requestId === undefined ? undefined : await this.get(id);
    if (earlier) return repeated(earlier);
    const { pool } = admission;
    await this.access.beforeQuery(); // the rank's two queries
    const queues = this.access.table.queues;
    const frontier = queues.frontier(pool);
    const ownerLastWaitingRank = queues.ownerLastWaitingRank(pool, owner);
    const fields = (admissionShard: number, rank: number): JobFields => ({
      owner,
      type: request.type,
      input: request.input,
      state: 'CREATED',
      done: false,
      attempts: 0,
      ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
      pool,
      rank,
      waiting: true,
      waitReason: 'capacity',
      slot: null,
      dispatchTime: null,
      admissionShard,
      createTime: SERVER_TIME,
      updateTime: SERVER_TIME,
      startTime: null,
      doneTime: null,
    });
    const capacities = admissionShardCapacities(admission.maxActiveJobs);
    let active = 0;
    for (const shard of admissionShardOrder(capacities.length, this.access.store.random)) {
      if (capacities[shard] === 0) continue;
      const tried = await this.access.retryingTransient(() =>
        this.admitInShard(id, owner, shard, capacities[shard], (shardLastRank) => {
          const rank = fairRank(frontier, ownerLastWaitingRank, shardLastRank);
          return { rank, fields: fields(shard, rank) };
        }),
      );
      switch (tried.kind) {
        case 'created':
          return { kind: 'created' };
        case 'exists':
          // Without a requestId the id is random: the job there is this create's own, applied although its step
          // reported an error and ran again.
          return request.requestId === undefined ? { kind: 'created' } : repeated(tried.job);
        case 'shard-full':
          active += tried.held;
      }
    }
    return { kind: 'quota-exceeded', active };
  }

  /**
   * One admission step, atomic on the owner's shard and the job's own document: if the job is there already,
   * answers it; if the shard counts fewer than `capacity` jobs, counts the job and creates it, with the rank and
   * fields `ranked` gives for the shard's last rank.
   */
  private admitInShard(
    id: string,
    owner: string,
    shard: number,
    capacity: number,
    ranked: (shardLastRank: number | undefined) => { rank: number; fields: JobFields },
  ): Promise<ShardAdmission> {
    const { table, admission, paths } = this.access.store;
    return this.access.atomically<ShardAdmission>('create', () => {
      const existing = table.read(id).job;
      if (existing) return { result: { kind: 'exists', job: existing } };
      const held = admission.held(owner, shard);
      if (held >= capacity) return { result: { kind: 'shard-full', held } };
      const apply = () => {
        const { rank, fields } = ranked(admission.lastRank(owner, shard));
        table.create(id, fields);
        admission.add(owner, shard, rank);
        return [paths.job(id), paths.admissionShard(owner, shard)];
      };
      return { result: { kind: 'created' }, commit: { jobId: id, apply } };
    });
  }

  cancel(id: string, owner: string, now: Millis, retentionDays: number): Promise<CancelResult> {
    return this.access.transaction<CancelResult>('cancel', id, ({ job }) => {
      if (!job || job.owner !== owner) return { result: { kind: 'not-found' } };
      if (job.done) return { result: { kind: 'already-done', state: job.state } };
      if (job.state === 'CREATED') {
        return {
          result: { kind: 'cancelled', job },
          write: { ...terminalFields('CANCELLED', now, retentionDays), error: CANCELLED_BY_OWNER },
          alsoWrite: givingBack(this.access.store, id, holdingsOf(job)),
        };
      }
      return {
        result: { kind: 'cancel-requested', job },
        write: job.cancelRequested ? undefined : { cancelRequested: true, updateTime: SERVER_TIME },
      };
    });
  }

  deleteIfDone(id: string, owner: string): Promise<DeleteResult> {
    return this.access.transaction<DeleteResult>('delete', id, ({ job }) => {
      if (!job || job.owner !== owner) return { result: { kind: 'not-found' } };
      if (!job.done) return { result: { kind: 'not-done', state: job.state } };
      return { result: { kind: 'deleted' }, write: 'delete' };
    });
  }

  async listByOwner(
    owner: string,
    pageSize: number,
    after?: PageCursor,
  ): Promise<{ jobs: JobWithId[]; next?: PageCursor }> {
    await this.access.beforeQuery();
    const table = this.access.table;
    const keys: { id: string; createTimeMicros: number }[] = [];
    for (const id of table.idsOfOwner(owner)) {
      const job = table.view(id);
      if (job) keys.push({ id, createTimeMicros: micros(job.createTime) });
    }
    keys.sort(newerFirst);
    const start = after ? keys.findIndex((key) => newerFirst(key, after) > 0) : 0;
    // One more than a page: its presence says there is a next page.
    const found = start < 0 ? [] : keys.slice(start, start + pageSize + 1);
    const page = found.slice(0, pageSize);
    const jobs = page.map(({ id }) => ({ id, job: table.read(id).job as Job }));
    const last = page.at(-1);
    if (found.length <= pageSize || !last) return { jobs };
    return { jobs, next: { createTimeMicros: last.createTimeMicros, id: last.id } };
  }
}
