import type { Job, JobWithId } from '@async-jobs/client';
import type { JobStepDocument } from '@async-jobs/contract';
import {
  collection,
  doc,
  getCountFromServer,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  query,
  Timestamp,
  where,
  type Firestore,
  type FirestoreError,
  type Query,
  type QueryConstraint,
} from 'firebase/firestore';
import {
  ENDED_IN_SPAN,
  JOB_STATES,
  LATEST_FAILURES,
  OLDEST_WAITING_IN_POOL,
  COUNT_BY_POOL_AND_STATE,
  WAITING_IN_POOL,
  type QueryShape,
} from './console-queries';
import type { Bucket, BucketCounts } from './throughput';

/** Stops a listener. */
export type Unsubscribe = () => void;

/** A step of a job, as the console shows it. */
export type JobStep = JobStepDocument<Timestamp> & { id: string };

/**
 * The query of `shape` on `jobs`: its equality filters with `values` (in the shape's order), its order, extra range
 * filters on the ordered field, and its limit when it is a query of documents.
 */
function jobsQuery(
  db: Firestore,
  shape: QueryShape,
  values: readonly unknown[],
  range: readonly QueryConstraint[] = [],
): Query {
  const constraints: QueryConstraint[] = shape.equality.map((field, i) => where(field, '==', values[i]));
  constraints.push(...range);
  if (shape.orderBy) constraints.push(orderBy(shape.orderBy.field, shape.orderBy.direction));
  if (typeof shape.bound === 'number') constraints.push(limit(shape.bound));
  return query(collection(db, 'jobs'), ...constraints);
}

async function count(q: Query): Promise<number> {
  return (await getCountFromServer(q)).data().count;
}

/** The jobs of each pool in each state: POOLS × JOB_STATES count queries, run at once. */
export async function countByPoolAndState(
  db: Firestore,
  pools: readonly string[],
): Promise<Map<string, Record<string, number>>> {
  const rows = await Promise.all(
    pools.map(async (pool) => {
      const counts = await Promise.all(
        JOB_STATES.map((state) => count(jobsQuery(db, COUNT_BY_POOL_AND_STATE, [pool, state]))),
      );
      return [pool, Object.fromEntries(JOB_STATES.map((state, i) => [state, counts[i] ?? 0]))] as const;
    }),
  );
  return new Map(rows);
}

/** A pool's queue: how many wait for a slot, and since when the oldest was created (undefined when none waits). */
export interface PoolQueue {
  waiting: number;
  oldestCreateTime: number | undefined;
}

/** A pool's queue: one count and one query of one document. */
export async function poolQueue(db: Firestore, pool: string): Promise<PoolQueue> {
  const [waiting, oldest] = await Promise.all([
    count(jobsQuery(db, WAITING_IN_POOL, [pool, true])),
    getDocs(jobsQuery(db, OLDEST_WAITING_IN_POOL, [pool, true])),
  ]);
  const createTime: unknown = oldest.docs[0]?.get('createTime');
  return { waiting, oldestCreateTime: createTime instanceof Timestamp ? createTime.toMillis() : undefined };
}

/** Jobs that ended COMPLETED and FAILED within a span: two counts. */
export async function countEnded(db: Firestore, bucket: Bucket): Promise<BucketCounts> {
  const span = [
    where('doneTime', '>=', Timestamp.fromMillis(bucket.start)),
    where('doneTime', '<', Timestamp.fromMillis(bucket.end)),
  ];
  const [completed, failed] = await Promise.all([
    count(jobsQuery(db, ENDED_IN_SPAN, ['COMPLETED'], span)),
    count(jobsQuery(db, ENDED_IN_SPAN, ['FAILED'], span)),
  ]);
  return { completed, failed };
}

/** Follows the newest failures live (one listener of LATEST_FAILURES_LIMIT documents). */
export function watchLatestFailures(
  db: Firestore,
  onJobs: (jobs: JobWithId[]) => void,
  onError: (e: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(
    jobsQuery(db, LATEST_FAILURES, ['FAILED']),
    (snap) => onJobs(snap.docs.map((d) => ({ id: d.id, ...(d.data() as Job) }))),
    onError,
  );
}

/** Follows one job, any user's, live; `undefined` when it does not exist. */
export function watchAnyJob(
  db: Firestore,
  id: string,
  onJob: (job: JobWithId | undefined) => void,
  onError: (e: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(
    doc(db, 'jobs', id),
    (snap) => onJob(snap.exists() ? { id: snap.id, ...(snap.data() as Job) } : undefined),
    onError,
  );
}

/** The most steps the console shows of a job. */
const MAX_STEPS = 100;

/** Follows a job's steps done (`jobs/{id}/steps`), at most MAX_STEPS. */
export function watchSteps(
  db: Firestore,
  id: string,
  onSteps: (steps: JobStep[]) => void,
  onError: (e: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(
    query(collection(db, 'jobs', id, 'steps'), limit(MAX_STEPS)),
    (snap) => onSteps(snap.docs.map((d) => ({ id: d.id, ...(d.data() as JobStepDocument<Timestamp>) }))),
    onError,
  );
}

/** The most retries of one job the console lists. */
const MAX_RETRIES = 5;

/** Follows the jobs that retry `id` (`retryOf == id`, on that field's automatic index), at most MAX_RETRIES. */
export function watchRetries(
  db: Firestore,
  id: string,
  onRetries: (ids: string[]) => void,
  onError: (e: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(
    query(collection(db, 'jobs'), where('retryOf', '==', id), limit(MAX_RETRIES)),
    (snap) => onRetries(snap.docs.map((d) => d.id)),
    onError,
  );
}
