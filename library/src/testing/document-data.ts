import { StoreError, type DocumentData, type StoreValue } from '../core/ports/document-store';

/** A field's value as a mutable map, while a write is applied. */
export type MutableData = { [field: string]: StoreValue };

/** Whether a value is a map (not null, not an array). */
export function isMap(value: StoreValue | undefined): value is { readonly [key: string]: StoreValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a value the store holds (only JSON values reach it: writes are checked first). */
export function cloneValue(value: StoreValue): StoreValue {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return (value as readonly StoreValue[]).map(cloneValue);
  return cloneData(value as DocumentData);
}

/** A deep copy of a document's fields. */
export function cloneData(data: DocumentData): MutableData {
  const copy: MutableData = {};
  for (const key of Object.keys(data)) copy[key] = cloneValue(data[key]);
  return copy;
}

/**
 * `data`, frozen at every depth, as the store keeps each document it holds: a read answers the document itself, not
 * a copy (the port's types make what a read answered read-only, and freezing holds code to that), and a write copies
 * only the maps it changes. Values already frozen are shared with the document before.
 */
export function frozenData(data: DocumentData): DocumentData {
  freezeValue(data);
  return data;
}

function freezeValue(value: StoreValue | DocumentData): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) freezeValue(inner);
}

/** Whether two documents' fields are equal as Firestore compares them: a write that leaves them so changes nothing. */
export function dataEqual(a: DocumentData | undefined, b: DocumentData | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return valuesEqual(a, b);
}

/**
 * Whether `compareValues(a, b)` is 0, found without ordering: every write compares the document it makes with the
 * one before, and ordering two maps sorts their keys.
 */
function valuesEqual(a: StoreValue, b: StoreValue): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((value: StoreValue, i) => valuesEqual(value, b[i] as StoreValue));
  }
  const aMap = a as DocumentData;
  const bMap = b as DocumentData;
  const keys = Object.keys(aMap);
  if (keys.length !== Object.keys(bMap).length) return false;
  return keys.every((key) => Object.hasOwn(bMap, key) && valuesEqual(aMap[key], bMap[key]));
}

/** Characters the Admin SDK refuses in a dotted field path (an update's key, a query's field). */
const FIELD_PATH = /^[^*~/[\]]+$/;

/** Whether the Admin SDK takes `fieldPath` as a dotted field path: no empty segment, none of `*~/[]`. */
export function isFieldPath(fieldPath: string): boolean {
  return FIELD_PATH.test(fieldPath) && !fieldPath.split('.').includes('');
}

/** The value at a dotted field path (`waits.abc` is the field `abc` of the map `waits`), or undefined. */
export function fieldAt(data: DocumentData, fieldPath: string): StoreValue | undefined {
  if (!fieldPath.includes('.')) return Object.hasOwn(data, fieldPath) ? data[fieldPath] : undefined;
  let value: StoreValue | undefined = data;
  for (const segment of fieldPath.split('.')) {
    if (!isMap(value) || !Object.hasOwn(value, segment)) return undefined;
    value = value[segment];
  }
  return value;
}

/** Only the given fields of a document (dotted paths keep their maps around the one field), as a query's `select`. */
export function selectFields(data: DocumentData, fieldPaths: readonly string[]): MutableData {
  const out: MutableData = {};
  for (const fieldPath of fieldPaths) {
    const value = fieldAt(data, fieldPath);
    if (value === undefined) continue;
    const segments = fieldPath.split('.');
    let target = out;
    for (const segment of segments.slice(0, -1)) {
      const inner = target[segment];
      const map: MutableData = isMap(inner) ? inner : {};
      target[segment] = map;
      target = map;
    }
    target[segments[segments.length - 1]] = cloneValue(value);
  }
  return out;
}

/** A document path split into its collection and id; a collection path or a malformed one is refused. */
export function parseDocumentPath(path: string): { collection: string; id: string } {
  const segments = path.split('/');
  if (segments.length < 2 || segments.length % 2 !== 0 || segments.some((segment) => segment === '')) {
    throw new StoreError('invalid-argument', `"${path}" is not a document path (an even number of non-empty segments)`);
  }
  const slash = path.lastIndexOf('/');
  return { collection: path.slice(0, slash), id: path.slice(slash + 1) };
}

/** Refuses a malformed collection path (an odd number of non-empty segments). */
export function checkCollectionPath(path: string): void {
  const segments = path.split('/');
  if (segments.length % 2 !== 1 || segments.some((segment) => segment === '')) {
    throw new StoreError(
      'invalid-argument',
      `"${path}" is not a collection path (an odd number of non-empty segments)`,
    );
  }
}
