import type { CreateJobRequest } from '@async-jobs/contract';
import { FieldPath, Timestamp } from 'firebase-admin/firestore';
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
import { serverTime, toJob, type FirestoreJob } from './job-codec';
import { holdingsOf, releaseWrites } from './job-holdings';
import type { JobsCollection } from './jobs-collection';
import { OwnerAdmission } from './owner-admission';
import { QueueRanks } from './queue-ranks';
import type { SchedulingCollections } from './scheduling-collections';
import { terminalFields } from './terminal-fields';

/** The µs since the epoch of a stored time, the precision a page cursor keeps. */
const micros = (time: Timestamp) => time.seconds * 1_000_000 + Math.floor(time.nanoseconds / 1000);

/**
 * What a job's owner does with jobs, on Firestore: create with admission, fair rank and idempotency, cancel,
 * delete, list. The places of waiting requests are WaitPlaces'.
 */
export class FirestoreOwnerOperations implements Omit<OwnerJobOperations, 'watch' | 'acquireWait' | 'releaseWait'> {
  private readonly ranks: QueueRanks;
  private readonly admission: OwnerAdmission;

  constructor(
    private readonly docs: JobsCollection,
    private readonly collections: SchedulingCollections,
  ) {
    this.ranks = new QueueRanks(docs);
    this.admission = new OwnerAdmission(docs, collections);
  }

  newJobId(): string {
    return this.docs.newId();
  }

  async get(id: string): Promise<Job | undefined> {
    return (await this.docs.read(id)).job;
  }

  /**
   * With a requestId, `id` is derived from it: a job already there answers a repeated request (or conflicts, if
   * the request differs). Otherwise the job gets its rank in its pool's fair queue and is admitted against the
   * owner's limit, exactly: the create is one atomic commit of one of the owner's admission counters (fenced by
   * its read) and the job's own document (created, so it fails if the job is there; see OwnerAdmission), so racing
   * repeats of one request still make one job.
   */
  async create(id: string, owner: string, request: CreateJobRequest, admission: Admission): Promise<CreateResult> {
    const repeated = (existing: Job): CreateResult =>
      isSameRequest(existing, request) ? { kind: 'existing', job: existing } : { kind: 'request-mismatch' };
    const earlier = request.requestId === undefined ? undefined : await this.get(id);
    if (earlier) return repeated(earlier);
    const { pool, maxActiveJobs } = admission;
    const rankFor = await this.ranks.rankerFor(pool, owner);
    const now = serverTime();
    const admitted = await this.admission.admit(id, owner, maxActiveJobs, rankFor, (admissionShard, rank) => ({
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
      admissionShard,
      createTime: now,
      updateTime: now,
      startTime: null,
      doneTime: null,
      dispatchTime: null,
    }));
    switch (admitted.kind) {
      case 'created':
        return { kind: 'created' };
      case 'full':
        return { kind: 'quota-exceeded', active: admitted.active };
      case 'exists':
        // Without a requestId the id is random: the job there is this create's own, its commit applied although
        // it reported an error and was tried again.
        return request.requestId === undefined ? { kind: 'created' } : repeated(admitted.job);
    }
  }

  async cancel(id: string, owner: string, now: Millis, retentionDays: number): Promise<CancelResult> {
    return this.docs.db.runTransaction(async (tx) => {
      const ref = this.docs.ref(id);
      const stored = (await tx.get(ref)).data();
      if (!stored || stored.owner !== owner) return { kind: 'not-found' };
      const job = toJob(stored);
      if (job.done) return { kind: 'already-done', state: job.state };
      if (job.state === 'CREATED') {
        // A queued job gives back, in the same commit, its admission place and the slot it holds once dispatched.
        tx.update(ref, { ...terminalFields('CANCELLED', now, retentionDays), error: CANCELLED_BY_OWNER });
        for (const { ref: held, data } of releaseWrites(this.collections, holdingsOf(job))) {
          tx.set(held, data, { merge: true });
        }
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
