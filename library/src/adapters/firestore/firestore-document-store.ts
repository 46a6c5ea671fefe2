import {
  FieldPath,
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  type Query as FirestoreQuery,
  type WriteBatch,
} from 'firebase-admin/firestore';
import {
  DOCUMENT_ID,
  StoreError,
  type CommitResult,
  type DocumentStore,
  type Filter,
  type OnListenError,
  type OnMatch,
  type Query,
  type StoreErrorCode,
  type StoredDocument,
  type Unsubscribe,
  type Write,
} from '../../core/ports/document-store';
import { FirestoreValues, millisOf, updateTimeOf, versionOf } from './firestore-values';

/** gRPC status codes by number, as the Firestore SDK reports them, in the port's words. */
const GRPC_CODES: readonly StoreErrorCode[] = [
  'unknown', // 0 OK never fails a call
  'cancelled',
  'unknown',
  'invalid-argument',
  'deadline-exceeded',
  'not-found',
  'already-exists',
  'permission-denied',
  'resource-exhausted',
  'failed-precondition',
  'aborted',
  'out-of-range',
  'unimplemented',
  'internal',
  'unavailable',
  'data-loss',
  'unauthenticated',
];

/** What the SDK threw, as a StoreError with the same code (the SDK's error as its cause). */
function storeError(e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: unknown }).code;
  const mapped = typeof code === 'number' ? (GRPC_CODES[code] ?? 'unknown') : 'unknown';
  const message = e instanceof Error ? e.message : String(e);
  return new StoreError(mapped, message, { cause: e });
}

/** Runs an SDK call, its failure as a StoreError. */
async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw storeError(e);
  }
}

/**
 * Builds an SDK reference, query or batch. The SDK checks paths, values and queries as they are built and throws a
 * plain Error (no gRPC code) for what it refuses: `undefined`, a class instance, a collection path given for a
 * document, a range on null, a cursor longer than the order. Those are the caller's mistakes, `invalid-argument`,
 * never the `unknown` (transient, so retried) a codeless error would map to.
 */
function built<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError('invalid-argument', e instanceof Error ? e.message : String(e), { cause: e });
  }
}

/**
 * The document store on Firestore, through the Admin SDK (past the security rules). It only carries out what the
 * core decided: reads, queries, counts and batched commits with `lastUpdateTime` and existence preconditions; it
 * retries nothing (the core does, on its clock) and knows nothing of jobs but which fields are times.
 */
export class FirestoreDocumentStore implements DocumentStore {
  private readonly values: FirestoreValues;

  constructor(
    private readonly db: Firestore,
    timeFields: ReadonlySet<string>,
  ) {
    this.values = new FirestoreValues(timeFields);
  }

  private stored(snap: DocumentSnapshot): StoredDocument | undefined {
    const data = snap.data();
    if (!data || !snap.updateTime) return undefined;
    return { path: snap.ref.path, id: snap.id, data: this.values.readData(data), version: versionOf(snap.updateTime) };
  }

  get(path: string): Promise<StoredDocument | undefined> {
    return call(async () => {
      const ref = built(() => this.db.doc(path));
      return this.stored(await ref.get());
    });
  }

  getAll(paths: readonly string[]): Promise<(StoredDocument | undefined)[]> {
    if (paths.length === 0) return Promise.resolve([]);
    return call(async () => {
      const refs = built(() => paths.map((path) => this.db.doc(path)));
      const snaps = await this.db.getAll(...refs);
      return snaps.map((snap) => this.stored(snap));
    });
  }

  private firestoreQuery(query: Query): FirestoreQuery {
    let q: FirestoreQuery = this.db.collection(query.collection);
    const fieldOf = (field: string) => (field === DOCUMENT_ID ? FieldPath.documentId() : field);
    for (const { field, op, value } of query.where ?? []) {
      const converted = Array.isArray(value)
        ? value.map((v) => this.values.toFirestore(field, v))
        : this.values.toFirestore(field, value);
      q = q.where(fieldOf(field), op, converted);
    }
    const orders = query.orderBy ?? [];
    for (const { field, direction } of orders) q = q.orderBy(fieldOf(field), direction);
    // The SDK would let the second cursor replace the first; the port takes one.
    if (query.startAt && query.startAfter) {
      throw new StoreError('invalid-argument', 'a query takes one start cursor, startAt or startAfter');
    }
    const cursor = (values: readonly unknown[]) =>
      values.map((v, i) => {
        const field = orders[i]?.field ?? '';
        return field === DOCUMENT_ID ? v : this.values.toFirestore(field, v);
      });
    if (query.startAt) q = q.startAt(...cursor(query.startAt));
    if (query.startAfter) q = q.startAfter(...cursor(query.startAfter));
    if (query.limit !== undefined) q = q.limit(query.limit);
    if (query.select) q = q.select(...query.select);
    return q;
  }

  query(query: Query): Promise<StoredDocument[]> {
    return call(async () => {
      const snap = await built(() => this.firestoreQuery(query)).get();
      return snap.docs.flatMap((doc) => this.stored(doc) ?? []);
    });
  }

  count(query: Query): Promise<number> {
    // A count ignores the query's order, cursor and limit: only its filters are sent.
    const filters: Query = { collection: query.collection, where: query.where };
    return call(async () => (await built(() => this.firestoreQuery(filters).count()).get()).data().count);
  }

  private add(batch: WriteBatch, write: Write): void {
    const ref = this.db.doc(write.path);
    switch (write.op) {
      case 'create':
        batch.create(ref, this.values.writeData(write.data));
        break;
      case 'update':
        if (write.ifVersion === undefined) batch.update(ref, this.values.writeData(write.data));
        else batch.update(ref, this.values.writeData(write.data), { lastUpdateTime: updateTimeOf(write.ifVersion) });
        break;
      case 'set':
        batch.set(ref, this.values.writeData(write.data), { merge: write.merge === true });
        break;
      case 'delete':
        if (write.ifVersion === undefined) batch.delete(ref);
        else batch.delete(ref, { lastUpdateTime: updateTimeOf(write.ifVersion) });
        break;
    }
  }

  commit(writes: readonly Write[]): Promise<CommitResult> {
    return call(async () => {
      if (writes.length === 0) throw new StoreError('invalid-argument', 'a commit needs at least one write');
      const batch = built(() => {
        const made = this.db.batch();
        for (const write of writes) this.add(made, write);
        return made;
      });
      const results = await batch.commit();
      // A write that changed nothing reports the document's previous update time, not the commit's (Firestore's
      // WriteResult.update_time); every other write, deletes included, reports the commit's time. So the latest is
      // the commit's time, unless no write changed anything (then no serverTime was written either).
      const time = Math.max(...results.map((result) => millisOf(result.writeTime)));
      return {
        time,
        versions: results.map((result, i) => (writes[i]?.op === 'delete' ? undefined : versionOf(result.writeTime))),
      };
    });
  }

  watch(path: string, onChange: (doc: StoredDocument | undefined) => void, onError: (e: Error) => void): Unsubscribe {
    let ref: DocumentReference;
    try {
      ref = built(() => this.db.doc(path));
    } catch (e) {
      // As any listener's failure: reported through onError, after `watch` returned.
      queueMicrotask(() => onError(storeError(e)));
      return () => undefined;
    }
    return ref.onSnapshot(
      (snap) => onChange(this.stored(snap)),
      (e) => onError(storeError(e)),
    );
  }

  watchMatching(path: string, where: readonly Filter[], onMatch: OnMatch, onError: OnListenError): Unsubscribe {
    let query: FirestoreQuery;
    try {
      query = built(() => {
        const ref = this.db.doc(path);
        return this.firestoreQuery({
          collection: ref.parent.path,
          where: [{ field: DOCUMENT_ID, op: '==', value: ref.id }, ...where],
        });
      });
    } catch (e) {
      queueMicrotask(() => onError(storeError(e)));
      return () => undefined;
    }
    return query.onSnapshot(
      (snap) => {
        for (const change of snap.docChanges()) {
          const doc = change.type === 'removed' ? undefined : this.stored(change.doc);
          if (doc) onMatch(doc);
        }
      },
      (e) => onError(storeError(e)),
    );
  }

  newId(): string {
    return this.db.collection('_').doc().id;
  }
}
