import type { Millis } from '../job';

/**
 * The one port the job protocol stores through: documents read with their versions, queries, counts, and atomic
 * commits whose writes carry preconditions. Firestore in functions (adapters/firestore), the in-memory store in
 * tests and the simulation (testing/). The store decides nothing: every rule of the protocol (which writes, under
 * which preconditions) is core code in core/protocol, so it exists once and runs unchanged on both.
 *
 * Paths are slash-separated (`jobs/abc`, `jobPools/standard/slots/000003`); a collection path has an odd number of
 * segments, a document path an even one. Field values are JSON values, with times as epoch milliseconds: a store
 * that keeps times as its own type (Firestore's Timestamp, for the security rules, the clients and TTL) converts
 * the fields it was told are times, both ways.
 */
export interface DocumentStore {
  /** The document at `path` with its version, or undefined when there is none. */
  get(path: string): Promise<StoredDocument | undefined>;
  /** Several documents in one call, in the order asked; undefined where there is none. */
  getAll(paths: readonly string[]): Promise<(StoredDocument | undefined)[]>;
  /** The documents a query matches, in its order, at most its limit. */
  query(query: Query): Promise<StoredDocument[]>;
  /** How many documents a query matches (its limit and order are ignored). */
  count(query: Query): Promise<number>;
  /**
   * Makes every write or none, atomically. A write whose precondition fails fails the whole commit with
   * `failed-precondition` (an update or delete fenced on a version that moved on), `not-found` (an update of a
   * missing document) or `already-exists` (a create of a document that exists).
   */
  commit(writes: readonly Write[]): Promise<CommitResult>;
  /**
   * Follows one document: `onChange` gets it as it is and then every change (undefined while there is none),
   * never before `watch` has returned.
   */
  watch(path: string, onChange: (doc: StoredDocument | undefined) => void, onError: (e: Error) => void): Unsubscribe;
  /**
   * Follows one document only while it matches `where` (equality filters of its own fields): `onMatch` gets it as it
   * is when it matches at the start or comes to match, and at every change while it matches; never while it does
   * not, nor before `watchMatching` has returned. Firestore serves it as a query listener (the document's id and the
   * filters, from single-field indexes), which pays a read when it starts and one per document it sends: a change of
   * a document that does not match costs nothing, where a document listener pays a read for every change.
   */
  watchMatching(path: string, where: readonly Filter[], onMatch: OnMatch, onError: OnListenError): Unsubscribe;
  /** A new random document id (20 characters, as Firestore's auto-ids). */
  newId(): string;
}

/** Stops a listener. */
export type Unsubscribe = () => void;

/** What a listener of a document while it matches (watchMatching) is given: the document as it matches. */
export type OnMatch = (doc: StoredDocument) => void;

/** How a listener fails: once, after which it is given nothing more. */
export type OnListenError = (e: Error) => void;

/** A value a field may hold. */
export type StoreValue =
  null | boolean | number | string | readonly StoreValue[] | { readonly [key: string]: StoreValue };

/** A document's fields. */
export type DocumentData = { readonly [field: string]: StoreValue };

/**
 * An opaque token that changes on every write of a document (its update time in Firestore): a write fenced on the
 * version a read returned is made only if nothing wrote the document since. A string, so it can travel in a message.
 */
export type Version = string;

/** A document as read. */
export interface StoredDocument {
  path: string;
  id: string;
  data: DocumentData;
  version: Version;
}

/** A field of a write that the store computes when it commits. */
export type FieldTransform =
  /** The commit's own time. */
  | { readonly transform: 'serverTime' }
  /** The field's number plus `by` (a missing field counts as 0). */
  | { readonly transform: 'increment'; readonly by: number }
  /** Removes the field. */
  | { readonly transform: 'delete' };

/** The commit's own time, for a field. */
export const serverTime = (): FieldTransform => ({ transform: 'serverTime' });
/** The field plus `by`. */
export const increment = (by: number): FieldTransform => ({ transform: 'increment', by });
/** Removes the field. */
export const deleteField = (): FieldTransform => ({ transform: 'delete' });

/** Whether a written value is a transform rather than a value. */
export function isFieldTransform(value: unknown): value is FieldTransform {
  return typeof value === 'object' && value !== null && 'transform' in value && typeof value.transform === 'string';
}

/**
 * Fields to write: JSON values (StoreValue; a store refuses anything else with `invalid-argument`, as Firestore
 * does) or transforms. Typed `unknown` so the contract's interfaces (JobError, JobProgress) are written as they are.
 * In an update, a key with dots (`waits.abc`) names a field inside a map and leaves the map's other fields as they
 * are; a plain key replaces the field whole.
 */
export type WriteData = { readonly [field: string]: unknown };

/** One write of a commit. */
export type Write =
  /** Makes the document; fails with `already-exists` if there is one. */
  | { readonly op: 'create'; readonly path: string; readonly data: WriteData }
  /** Changes fields of the document; fails with `not-found` if there is none, or if `ifVersion` moved on. */
  | { readonly op: 'update'; readonly path: string; readonly data: WriteData; readonly ifVersion?: Version }
  /** Writes the document whole, or with `merge` only the given fields; makes it if there is none. */
  | { readonly op: 'set'; readonly path: string; readonly data: WriteData; readonly merge?: boolean }
  /** Deletes the document (nothing if there is none); fails if `ifVersion` is given and moved on or is gone. */
  | { readonly op: 'delete'; readonly path: string; readonly ifVersion?: Version };

/** What a commit made. */
export interface CommitResult {
  /** The commit's time, which its serverTime fields hold. */
  time: Millis;
  /** Each write's new version, in the order of the writes (undefined for a delete). */
  versions: (Version | undefined)[];
}

/** The key a query orders or filters by for the document's id. */
export const DOCUMENT_ID = '__id__';

export type FilterOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not-in';

export interface Filter {
  readonly field: string;
  readonly op: FilterOp;
  readonly value: StoreValue;
}

export interface Order {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
}

/**
 * A query of one collection, in Firestore's terms: equality and range filters (a document lacking a filtered field
 * never matches; a range filter matches values of its value's type only), an order (the range filter's field first;
 * the id breaks ties), a cursor on the order's values, a limit and the fields to return (every field if absent). A
 * query a store cannot serve from its indexes fails, as Firestore's does.
 */
export interface Query {
  readonly collection: string;
  readonly where?: readonly Filter[];
  readonly orderBy?: readonly Order[];
  /** Starts at (inclusive) or after the document with these values of the order's fields, in order. */
  readonly startAt?: readonly StoreValue[];
  readonly startAfter?: readonly StoreValue[];
  readonly limit?: number;
  readonly select?: readonly string[];
}

/**
 * Why a store call failed, in gRPC's words (Firestore's codes): `failed-precondition`, `not-found` and
 * `already-exists` say a commit's precondition failed and nothing was written; `aborted`, `unavailable`,
 * `deadline-exceeded`, `resource-exhausted`, `internal`, `unknown` and `cancelled` that the call failed for now,
 * and a commit may even have been applied; the rest are permanent.
 */
export type StoreErrorCode =
  | 'failed-precondition'
  | 'not-found'
  | 'already-exists'
  | 'aborted'
  | 'unavailable'
  | 'deadline-exceeded'
  | 'resource-exhausted'
  | 'internal'
  | 'unknown'
  | 'cancelled'
  | 'invalid-argument'
  | 'permission-denied'
  | 'unauthenticated'
  | 'out-of-range'
  | 'unimplemented'
  | 'data-loss';

/** An error a store call failed with. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

const TRANSIENT: ReadonlySet<StoreErrorCode> = new Set([
  'aborted',
  'unavailable',
  'deadline-exceeded',
  'resource-exhausted',
  'internal',
  'unknown',
  'cancelled',
]);

/** Whether a call failed for now: tried again it may succeed, and a commit that failed so may have been applied. */
export function isTransientStoreError(e: unknown): boolean {
  return e instanceof StoreError && TRANSIENT.has(e.code);
}

/** Whether a commit failed because a precondition did: it lost a race, and wrote nothing. */
export function isLostRace(e: unknown): boolean {
  return (
    e instanceof StoreError &&
    (e.code === 'failed-precondition' || e.code === 'not-found' || e.code === 'already-exists')
  );
}
