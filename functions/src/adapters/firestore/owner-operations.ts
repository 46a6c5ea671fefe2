import type { CreateJobRequest } from '@async-jobs/contract';
import { FieldPath, Timestamp } from 'firebase-admin/firestore';
import { CANCELLED_BY_OWNER, type Job, type JobWithId, type Millis } from '../../core/job';
import type {
  CancelResult,
  CreateResult,
  DeleteResult,
  OwnerJobOperations,
  PageCursor,
} from '../../core/ports/job-repository';
import { isSameRequest } from '../../core/request-identity';
import { ALREADY_EXISTS, grpcCode } from './commit-errors';
import { serverTime, toJob, type FirestoreJob } from './job-codec';
import type { JobsCollection } from './jobs-collection';
import { terminalFields } from './terminal-fields';

/** The µs since the epoch of a stored time, the precision a page cursor keeps. */
const micros = (time: Timestamp) => time.seconds * 1_000_000 + Math.floor(time.nanoseconds / 1000);

/** What a job's owner does with jobs, on Firestore: create with quota and idempotency, cancel, delete, list. */
export class FirestoreOwnerOperations implements Omit<OwnerJobOperations, 'watch'> {
  constructor(private readonly docs: JobsCollection) {}

  newJobId(): string {
    return this.docs.newId();
  }

  async get(id: string): Promise<Job | undefined> {
    return (await this.docs.read(id)).job;
  }

  /**
   * With a requestId, `id` is derived from it: a job already there answers a repeated request (or conflicts, if
   * the request differs). `create()` is atomic on its own, so racing repeats of one request still make one job.
   *
   * The quota's count runs before the create, outside a transaction: inside one it would lock every active job of
   * the owner against their workers' writes. So concurrent creates by one user can pass the limit by at most the
   * number of creates in flight.
   */
  async create(id: string, owner: string, request: CreateJobRequest, maxActiveJobs: number): Promise<CreateResult> {
    const repeated = async (): Promise<CreateResult | undefined> => {
      const existing = request.requestId === undefined ? undefined : await this.get(id);
      if (!existing) return undefined;
      return isSameRequest(existing, request) ? { kind: 'existing', job: existing } : { kind: 'request-mismatch' };
    };
    const earlier = await repeated();
    if (earlier) return earlier;
    const active = (
      await this.docs.db.collection(this.docs.name).where('owner', '==', owner).where('done', '==', false).count().get()
    ).data().count;
    if (active >= maxActiveJobs) return { kind: 'quota-exceeded', active };
    const now = serverTime();
    try {
      await this.docs.ref(id).create({
        owner,
        type: request.type,
        input: request.input,
        state: 'CREATED',
        done: false,
        attempts: 0,
        ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
        createTime: now,
        updateTime: now,
        startTime: null,
        doneTime: null,
        dispatchTime: now,
      } as unknown as FirestoreJob); // server timestamps stand where the type has Timestamps
    } catch (e) {
      // A concurrent repeat of the same request created it first.
      const raced = grpcCode(e) === ALREADY_EXISTS ? await repeated() : undefined;
      if (raced) return raced;
      throw e;
    }
    return { kind: 'created' };
  }

  async cancel(id: string, owner: string, now: Millis, retentionDays: number): Promise<CancelResult> {
    return this.docs.db.runTransaction(async (tx) => {
      const ref = this.docs.ref(id);
      const stored = (await tx.get(ref)).data();
      if (!stored || stored.owner !== owner) return { kind: 'not-found' };
      const job = toJob(stored);
      if (job.done) return { kind: 'already-done', state: job.state };
      if (job.state === 'CREATED') {
        tx.update(ref, { ...terminalFields('CANCELLED', now, retentionDays), error: CANCELLED_BY_OWNER });
        return { kind: 'cancelled', job };
      }
      if (!job.cancelRequested) tx.update(ref, { cancelRequested: true, updateTime: serverTime() });
      return { kind: 'cancel-requested', job };
    });
  }

  async deleteIfDone(id: string, owner: string): Promise<DeleteResult> {
    return this.docs.db.runTransaction(async (tx) => {
      const ref = this.docs.ref(id);
      const job = (await tx.get(ref)).data();
      if (!job || job.owner !== owner) return { kind: 'not-found' };
      if (!job.done) return { kind: 'not-done', state: job.state };
      tx.delete(ref);
      return { kind: 'deleted' };
    });
  }

  async listByOwner(
    owner: string,
    pageSize: number,
    after?: PageCursor,
  ): Promise<{ jobs: JobWithId[]; next?: PageCursor }> {
    let query = this.docs.db
      .collection(this.docs.name)
      .where('owner', '==', owner)
      .orderBy('createTime', 'desc')
      .orderBy(FieldPath.documentId(), 'desc');
    if (after) {
      const seconds = Math.floor(after.createTimeMicros / 1_000_000);
      const nanos = (after.createTimeMicros % 1_000_000) * 1000;
      query = query.startAfter(new Timestamp(seconds, nanos), after.id);
    }
    // One more than a page: its presence says there is a next page.
    const docs = (await query.limit(pageSize + 1).get()).docs;
    const page = docs.slice(0, pageSize);
    const jobs = page.map((d) => ({ id: d.id, job: toJob(d.data() as FirestoreJob) }));
    const last = page.at(-1);
    if (docs.length <= pageSize || !last) return { jobs };
    return { jobs, next: { createTimeMicros: micros((last.data() as FirestoreJob).createTime), id: last.id } };
  }
}
