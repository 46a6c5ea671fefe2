import { DOCUMENT_ID, type DocumentData, type StoreValue } from '../core/ports/document-store';
import { fieldAt } from './document-data';
import { compareStrings, compareValues, equalityKey } from './value-order';

/** A field of an order, and which way. */
export interface OrderField {
  readonly field: string;
  readonly descending: boolean;
}

/**
 * What an index serves: the documents of one collection, bucketed by the values of its equality fields, each bucket
 * sorted in one order (its fields, then the document id). One shape answers every query with the same equality
 * fields and the same order, whatever values they ask for, as one Firestore composite index does.
 */
export interface IndexShape {
  readonly collection: string;
  /** The fields of `==` and `in` filters, sorted by name. */
  readonly equalityFields: readonly string[];
  /** The order: the query's orderBy, then the fields of its inequality filters (DOCUMENT_ID for the id). */
  readonly order: readonly OrderField[];
  /** Which way the document id breaks ties: the way of the order's last field, as in Firestore. */
  readonly idDescending: boolean;
  /** Identifies the shape: queries with the same key share one index. */
  readonly key: string;
  /** The shape in words, for the store's statistics. */
  readonly description: string;
}

/** A document as an index holds it: the values of the order's fields, and its id. */
export interface IndexEntry {
  readonly keys: readonly StoreValue[];
  readonly id: string;
}

/** The shape of an index of `collection` with these equality fields and this order. */
export function indexShape(
  collection: string,
  equalityFields: readonly string[],
  order: readonly OrderField[],
): IndexShape {
  const idDescending = order.length > 0 && order[order.length - 1].descending;
  const sorted = [...equalityFields].sort(compareStrings);
  const orderWords = order.map(({ field, descending }) => `${field} ${descending ? 'desc' : 'asc'}`);
  const equalityWords = sorted.map((field) => `${field} ==`);
  const description = [
    collection,
    ...(equalityWords.length > 0 ? [`where ${equalityWords.join(', ')}`] : []),
    ...(orderWords.length > 0 ? [`order by ${orderWords.join(', ')}`] : []),
  ].join(' ');
  return {
    collection,
    equalityFields: sorted,
    order,
    idDescending,
    key: `${description} | id ${idDescending ? 'desc' : 'asc'}`,
    description,
  };
}

/** The key of the equality bucket that holds documents with these values of the equality fields, in order. */
export function bucketKey(values: readonly StoreValue[]): string {
  return values.map(equalityKey).join('\u0000');
}

/** A field's value in a document, the id for DOCUMENT_ID; undefined when the document lacks it. */
export function valueOf(field: string, data: DocumentData, id: string): StoreValue | undefined {
  return field === DOCUMENT_ID ? id : fieldAt(data, field);
}

/** The bucket of an index of `shape` that holds the document, or undefined when it lacks an equality field. */
export function bucketOf(shape: IndexShape, data: DocumentData, id: string): string | undefined {
  const equalities: StoreValue[] = [];
  for (const field of shape.equalityFields) {
    const value = valueOf(field, data, id);
    if (value === undefined) return undefined;
    equalities.push(value);
  }
  return bucketKey(equalities);
}

/**
 * Where a document sits in an index of `shape`: its bucket and entry, or undefined when it lacks an equality field or
 * an order field (Firestore's indexes leave such a document out, so no query with that shape finds it).
 */
export function placeOf(
  shape: IndexShape,
  data: DocumentData,
  id: string,
): { bucket: string; entry: IndexEntry } | undefined {
  const bucket = bucketOf(shape, data, id);
  if (bucket === undefined) return undefined;
  const keys: StoreValue[] = [];
  for (const { field } of shape.order) {
    const value = valueOf(field, data, id);
    if (value === undefined) return undefined;
    keys.push(value);
  }
  return { bucket, entry: { keys, id } };
}

/** Entries in the index's order: by each order field its way, then by id. */
export function entryOrder(shape: IndexShape): (a: IndexEntry, b: IndexEntry) => number {
  const directions = shape.order.map(({ descending }) => (descending ? -1 : 1));
  const idDirection = shape.idDescending ? -1 : 1;
  return (a, b) => {
    for (let i = 0; i < directions.length; i++) {
      const order = compareValues(a.keys[i], b.keys[i]);
      if (order !== 0) return order * directions[i];
    }
    return compareStrings(a.id, b.id) * idDirection;
  };
}

/**
 * An entry against a cursor's values (a prefix of the order's fields): negative if the entry comes before the cursor
 * position in the index's order, 0 if its first fields equal the cursor's, positive if it comes after.
 */
export function compareToCursor(shape: IndexShape, entry: IndexEntry, cursor: readonly StoreValue[]): number {
  for (let i = 0; i < cursor.length; i++) {
    const order = compareValues(entry.keys[i], cursor[i]);
    if (order !== 0) return shape.order[i].descending ? -order : order;
  }
  return 0;
}
