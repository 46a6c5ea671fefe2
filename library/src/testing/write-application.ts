import type { Millis } from '../core/job';
import {
  isFieldTransform,
  StoreError,
  type DocumentData,
  type FieldTransform,
  type StoreValue,
  type Version,
  type Write,
  type WriteData,
} from '../core/ports/document-store';
import { cloneValue, isFieldPath, isMap, parseDocumentPath, type MutableData } from './document-data';
import { documentBytesAt, MAX_DOCUMENT_BYTES, whyNotStorable } from './storable-value';

/** A document as a commit sees it: its fields and version. */
export interface CurrentDocument {
  readonly data: DocumentData;
  readonly version: Version;
}

/** Field names Firestore keeps for itself (`__name__` and the like), which a write may not use. */
const RESERVED_FIELD = /^__.*__$/;

function refuse(message: string): never {
  throw new StoreError('invalid-argument', message);
}

function checkFieldName(name: string, where: string): void {
  if (name === '') refuse(`${where}: a field name is empty`);
  if (RESERVED_FIELD.test(name)) refuse(`${where}: the field name ${name} is reserved`);
}

/**
 * Refuses a value the port does not carry or Firestore does not store (see whyNotStorable): the port's values are
 * JSON values, so a Date or bytes, which Firestore would take, are refused too, and so are reserved map keys.
 */
function checkValue(value: unknown, where: string): void {
  const why = whyNotStorable(value, where);
  if (why) refuse(why);
  checkPortValue(value, where);
}

function checkPortValue(value: unknown, where: string): void {
  if (typeof value !== 'object' || value === null) return;
  if (value instanceof Date || value instanceof Uint8Array) refuse(`${where} is not a JSON value (times are epoch ms)`);
  if (Array.isArray(value)) {
    for (const [index, item] of (value as unknown[]).entries()) checkPortValue(item, `${where}[${index}]`);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    checkFieldName(key, where);
    checkPortValue(item, `${where}.${key}`);
  }
}

function checkTransform(transform: FieldTransform, write: Write, where: string): void {
  switch (transform.transform) {
    case 'serverTime':
      return;
    case 'increment':
      if (typeof transform.by !== 'number') refuse(`${where}: an increment needs a number`);
      return;
    case 'delete':
      // As the Admin SDK: a field is deleted by an update or a merging set, never by a write of the whole document.
      if (write.op === 'update' || (write.op === 'set' && write.merge === true)) return;
      refuse(`${where}: a delete transform is for an update or a merging set only`);
      break;
    default:
      refuse(`${where}: unknown transform`);
  }
}

/**
 * Refuses a write Firestore (or the Admin SDK before it) would refuse whatever the documents hold: a malformed path, an
 * update of no field or of a field and a field inside it at once, a value it cannot store, a misplaced transform.
 */
export function checkWrite(write: Write): void {
  parseDocumentPath(write.path);
  if (write.op === 'delete') return;
  const fields = Object.keys(write.data);
  if (write.op === 'update') {
    if (fields.length === 0) refuse(`update of ${write.path}: no field to update`);
    const named = new Set(fields);
    for (const field of fields) {
      const segments = field.split('.');
      for (let length = 1; length < segments.length; length++) {
        const outer = segments.slice(0, length).join('.');
        if (named.has(outer)) refuse(`update of ${write.path}: ${outer} and ${field} both name the field ${outer}`);
      }
    }
  }
  for (const field of fields) {
    const where = `${write.op} of ${write.path}, field ${field}`;
    // Only an update reads dots as a path into maps; the other writes take the name as it is.
    if (write.op === 'update' && !isFieldPath(field)) refuse(`${where}: not a field path`);
    for (const segment of write.op === 'update' ? field.split('.') : [field]) checkFieldName(segment, where);
    const value = write.data[field];
    if (isFieldTransform(value)) checkTransform(value, write, where);
    else checkValue(value, where);
  }
}

/** A transform's result, given the field's value before it. */
function transformed(transform: FieldTransform, before: StoreValue | undefined, time: Millis): StoreValue | undefined {
  switch (transform.transform) {
    case 'serverTime':
      return time;
    case 'increment':
      // As Firestore: a field that is not a number (or is missing) is set to the increment itself.
      return typeof before === 'number' ? before + transform.by : transform.by;
    case 'delete':
      return undefined;
  }
}

/** Sets (or, for undefined, removes) `field` of `target`. */
function put(target: MutableData, field: string, value: StoreValue | undefined): void {
  if (value === undefined) delete target[field];
  else target[field] = value;
}

/** The value of a written field, transforms worked out against the field's value before the write. */
function written(value: unknown, before: StoreValue | undefined, time: Millis): StoreValue | undefined {
  // checkWrite let through only transforms and StoreValues.
  return isFieldTransform(value) ? transformed(value, before, time) : cloneValue(value as StoreValue);
}

/** A whole document from a create's or a set's fields. */
function wholeDocument(data: WriteData, time: Millis): MutableData {
  const out: MutableData = {};
  for (const field of Object.keys(data)) put(out, field, written(data[field], undefined, time));
  return out;
}

/**
 * `value` merged into `target[field]` as a merging set does: a map with fields merges field by field, at any depth;
 * anything else (an empty map included) replaces the field.
 */
function mergeInto(target: MutableData, field: string, value: unknown, time: Millis): void {
  const before = target[field];
  if (!isFieldTransform(value) && isMap(value as StoreValue) && Object.keys(value as object).length > 0) {
    const merged: MutableData = isMap(before) ? { ...before } : {};
    for (const [key, inner] of Object.entries(value as object)) mergeInto(merged, key, inner, time);
    target[field] = merged;
    return;
  }
  put(target, field, written(value, before, time));
}

/**
 * `value` written at a dotted path, as an update does: the maps on the way are made (or a non-map on the way
 * replaced by one); a delete of a field whose maps are missing changes nothing.
 */
function updateAt(target: MutableData, fieldPath: string, value: unknown, time: Millis): void {
  const segments = fieldPath.split('.');
  let map = target;
  for (const segment of segments.slice(0, -1)) {
    const inner = map[segment];
    if (isMap(inner)) {
      const copy = { ...inner };
      map[segment] = copy;
      map = copy;
      continue;
    }
    if (isFieldTransform(value) && value.transform === 'delete') return;
    const made: MutableData = {};
    map[segment] = made;
    map = made;
  }
  const leaf = segments[segments.length - 1];
  put(map, leaf, written(value, map[leaf], time));
}

/**
 * The document after `write`, given the one before it (undefined if there is none) and the commit's time; undefined
 * when the write deletes it. Throws the StoreError of a failed precondition, and `invalid-argument` for a document
 * over Firestore's size limit. `before` is not changed: maps on the way of a change are copied.
 */
export function applyWrite(before: CurrentDocument | undefined, write: Write, time: Millis): DocumentData | undefined {
  let after: MutableData | undefined;
  switch (write.op) {
    case 'create':
      if (before) throw new StoreError('already-exists', `${write.path} already exists`);
      after = wholeDocument(write.data, time);
      break;
    case 'update': {
      if (!before) throw new StoreError('not-found', `no document to update at ${write.path}`);
      if (write.ifVersion !== undefined && write.ifVersion !== before.version) {
        throw new StoreError(
          'failed-precondition',
          `${write.path} is at version ${before.version}, not ${write.ifVersion}`,
        );
      }
      after = { ...before.data };
      for (const field of Object.keys(write.data)) updateAt(after, field, write.data[field], time);
      break;
    }
    case 'set':
      if (write.merge === true) {
        after = before ? { ...before.data } : {};
        for (const field of Object.keys(write.data)) mergeInto(after, field, write.data[field], time);
      } else {
        after = wholeDocument(write.data, time);
      }
      break;
    case 'delete':
      if (write.ifVersion !== undefined && write.ifVersion !== before?.version) {
        const now = before ? `is at version ${before.version}` : 'is gone';
        throw new StoreError('failed-precondition', `${write.path} ${now}, not at ${write.ifVersion}`);
      }
      return undefined;
  }
  const bytes = documentBytesAt(write.path, after);
  if (bytes > MAX_DOCUMENT_BYTES) {
    refuse(`${write.path} would take ${bytes} bytes, more than Firestore's ${MAX_DOCUMENT_BYTES} for a document`);
  }
  return after;
}
