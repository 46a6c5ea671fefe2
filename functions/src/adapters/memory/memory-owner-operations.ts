import type { CreateJobRequest } from '@async-jobs/contract';
import { CANCELLED_BY_OWNER, type Job, type JobWithId, type Millis } from '../../core/job';
import type {
  CancelResult,
  CreateResult,
  DeleteResult,
  OwnerJobOperations,
  PageCursor,
} from '../../core/ports/job-repository';
import { isSameRequest } from '../../core/request-identity';
import { SERVER_TIME } from './job-table';
import { isAlreadyExists } from './memory-store-errors';
import { autoId } from './seeded-random';
import type { TableAccess } from './table-access';
import { terminalFields } from './terminal-fields';

/** The µs since the epoch of a stored time (ms here), the precision a page cursor keeps. */
const micros = (time: Millis) => time * 1000;

/** Whether job `a` comes before job `b` in an owner's list: newer first, then the greater id first. */
function newerFirst(a: { id: string; createTimeMicros: number }, b: { id: string; createTimeMicros: number }): number {
  if (a.createTimeMicros !== b.createTimeMicros) return b.createTimeMicros - a.createTimeMicros;
  if (a.id === b.id) return 0;
  return a.id < b.id ? 1 : -1;
}

/**
 * What a job's owner does with jobs, in memory, as FirestoreOwnerOperations does it: create with the quota counted
 * before the create (not in a transaction with it) and requestId idempotency, cancel and delete in transactions,
 * and the owner's list newest first with a cursor.
 */
export class MemoryOwnerOperations implements Omit<OwnerJobOperations, 'watch'> {
  constructor(private readonly access: TableAccess) {}

  newJobId(): string {
    return autoId(this.access.store.random);
  }

  async get(id: string): Promise<Job | undefined> {
    return (await this.access.read(id)).job;
  }

  async create(id: string, owner: string, request: CreateJobRequest, maxActiveJobs: number): Promise<CreateResult> {
    const repeated = async (): Promise<CreateResult | undefined> => {
      const existing = request.requestId === undefined ? undefined : await this.get(id);
      if (!existing) return undefined;
      return isSameRequest(existing, request) ? { kind: 'existing', job: existing } : { kind: 'request-mismatch' };
    };
    const earlier = await repeated();
    if (earlier) return earlier;
    await this.access.beforeQuery();
    const active = this.access.table.activeCount(owner);
    if (active >= maxActiveJobs) return { kind: 'quota-exceeded', active };
    try {
      await this.access.create('create', id, {
        owner,
        type: request.type,
        input: request.input,
        state: 'CREATED',
        done: false,
        attempts: 0,
        ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
        createTime: SERVER_TIME,
        updateTime: SERVER_TIME,
        startTime: null,
        doneTime: null,
        dispatchTime: SERVER_TIME,
      });
    } catch (e) {
      // A concurrent repeat of the same request created it first.
      const raced = isAlreadyExists(e) ? await repeated() : undefined;
      if (raced) return raced;
      throw e;
    }
    return { kind: 'created' };
  }

  cancel(id: string, owner: string, now: Millis, retentionDays: number): Promise<CancelResult> {
    return this.access.transaction<CancelResult>('cancel', id, ({ job }) => {
      if (!job || job.owner !== owner) return { result: { kind: 'not-found' } };
      if (job.done) return { result: { kind: 'already-done', state: job.state } };
      if (job.state === 'CREATED') {
        return {
          result: { kind: 'cancelled', job },
          write: { ...terminalFields('CANCELLED', now, retentionDays), error: CANCELLED_BY_OWNER },
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
