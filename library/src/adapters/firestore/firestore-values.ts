import { FieldValue, Timestamp, type DocumentData as FirestoreData } from 'firebase-admin/firestore';
import {
  isFieldTransform,
  StoreError,
  type DocumentData,
  type StoreValue,
  type Version,
  type WriteData,
} from '../../core/ports/document-store';

/**
 * Values between the port and Firestore. The port's times are epoch ms; Firestore keeps the fields named in
 * `timeFields` as Timestamps, which the security rules, the clients and the TTL policy need. A field written as a
 * number in a time field is stored as a Timestamp, and every Timestamp read is given back as epoch ms.
 */
export class FirestoreValues {
  constructor(private readonly timeFields: ReadonlySet<string>) {}

  /**
   * A field's value as Firestore stores it: a number in a time field as a Timestamp, to the microsecond (the
   * precision Firestore keeps), so a time read back and written again (a page cursor) is the same instant.
   */
  toFirestore(field: string, value: unknown): unknown {
    if (typeof value === 'number' && this.timeFields.has(field.split('.')[0] ?? field)) {
      const seconds = Math.floor(value / 1000);
      const micros = Math.round((value - seconds * 1000) * 1000);
      return micros >= 1_000_000 ? new Timestamp(seconds + 1, 0) : new Timestamp(seconds, micros * 1000);
    }
    return value;
  }

  /** Written fields as the Admin SDK takes them, transforms included. */
  writeData(data: WriteData): FirestoreData {
    const out: FirestoreData = {};
    for (const [field, value] of Object.entries(data)) {
      if (!isFieldTransform(value)) {
        const why = whyNotStoreValue(value, field);
        if (why) throw new StoreError('invalid-argument', why);
        out[field] = this.toFirestore(field, value);
        continue;
      }
      switch (value.transform) {
        case 'serverTime':
          out[field] = FieldValue.serverTimestamp();
          break;
        case 'increment':
          out[field] = FieldValue.increment(value.by);
          break;
        case 'delete':
          out[field] = FieldValue.delete();
          break;
      }
    }
    return out;
  }

  /**
   * A stored document's fields as the port gives them: every Timestamp as epoch ms, at any depth (a serverTime or a
   * time written into a map by a dotted update is one inside a map).
   */
  readData(data: FirestoreData): DocumentData {
    return readMap(data);
  }
}

function readMap(data: FirestoreData): { [field: string]: StoreValue } {
  const out: { [field: string]: StoreValue } = {};
  for (const [field, value] of Object.entries(data)) out[field] = readValue(value);
  return out;
}

/** A stored value as the port gives it: Timestamps as epoch ms, maps and arrays read through. */
function readValue(value: unknown): StoreValue {
  if (value instanceof Timestamp) return millisOf(value);
  if (Array.isArray(value)) return value.map(readValue);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return readMap(value);
  }
  return value as StoreValue;
}

/**
 * Why a written value is not one of the port's (JSON: null, booleans, numbers, strings, and arrays and plain maps of
 * them), or undefined if it is one. The SDK refuses some others only when the commit is sent (a function: "Cannot
 * encode value", with no gRPC code), and stores some the port does not carry (a Date as a Timestamp).
 */
function whyNotStoreValue(value: unknown, where: string): string | undefined {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') {
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of (value as unknown[]).entries()) {
      const why = whyNotStoreValue(item, `${where}[${index}]`);
      if (why) return why;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `${where} is an object with a custom prototype`;
    for (const [key, item] of Object.entries(value)) {
      const why = whyNotStoreValue(item, `${where}.${key}`);
      if (why) return why;
    }
    return undefined;
  }
  return `${where} is ${value === undefined ? 'undefined' : `a ${typeof value}`}, not a JSON value`;
}

/** A Timestamp as epoch ms with its microseconds as the fraction (Firestore keeps times to the µs). */
export function millisOf(time: Timestamp): number {
  return time.seconds * 1000 + Math.floor(time.nanoseconds / 1000) / 1000;
}

/** A document's update time as the port's version: `seconds.nanoseconds`, exact. */
export function versionOf(updateTime: Timestamp): Version {
  return `${updateTime.seconds}.${String(updateTime.nanoseconds).padStart(9, '0')}`;
}

/** The update time a version stands for. */
export function updateTimeOf(version: Version): Timestamp {
  const [seconds, nanos] = version.split('.');
  return new Timestamp(Number(seconds), Number(nanos));
}
