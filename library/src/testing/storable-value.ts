/** The largest document Firestore stores, in bytes of its storage size. */
export const MAX_DOCUMENT_BYTES = 1_048_576;

/** Firestore's deepest nesting of maps and arrays in a field value. */
const MAX_DEPTH = 20;

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Why Firestore (the Admin SDK, as the functions configure it) would refuse `value` as a field value, or undefined if
 * it would store it: `undefined`, functions and symbols, an array directly inside an array, an object with a custom
 * prototype (a Date and bytes are stored), and nesting deeper than 20 levels.
 */
export function whyNotStorable(value: unknown, path: string, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) return `${path} is nested deeper than ${MAX_DEPTH} levels`;
  switch (typeof value) {
    case 'undefined':
      return `${path} is undefined, which Firestore cannot store`;
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}, which Firestore cannot store`;
    case 'object': {
      if (value === null || value instanceof Date || value instanceof Uint8Array) return undefined;
      if (Array.isArray(value)) {
        for (const [index, item] of (value as unknown[]).entries()) {
          if (Array.isArray(item)) return `${path}[${index}] is an array inside an array, which Firestore cannot store`;
          const why = whyNotStorable(item, `${path}[${index}]`, depth + 1);
          if (why) return why;
        }
        return undefined;
      }
      if (!isPlainObject(value)) return `${path} is an object with a custom prototype, which Firestore cannot store`;
      for (const [key, item] of Object.entries(value)) {
        const why = whyNotStorable(item, `${path}.${key}`, depth + 1);
        if (why) return why;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** A string's storage size in Firestore: its UTF-8 bytes plus one. */
const stringBytes = (text: string) => Buffer.byteLength(text, 'utf8') + 1;

/**
 * A value's storage size as Firestore counts it (firebase.google.com/docs/firestore/storage-size): strings their
 * UTF-8 bytes + 1, numbers, times and booleans 8 or 1, maps the sizes of their keys and values, arrays of their
 * values.
 */
export function storageBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return stringBytes(value);
  if (typeof value !== 'object') return 8;
  if (value instanceof Date) return 8;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return (value as unknown[]).reduce<number>((sum, item) => sum + storageBytes(item), 0);
  return Object.entries(value).reduce((sum, [key, item]) => sum + stringBytes(key) + storageBytes(item), 0);
}

/** The storage size of a job document at `jobs/{id}`: its name, its fields and Firestore's 32 bytes of overhead. */
export function documentBytes(collection: string, id: string, fields: object): number {
  return stringBytes(collection) + stringBytes(id) + 16 + storageBytes(fields) + 32;
}

/**
 * The storage size of the document at `path` (any depth, `jobPools/standard/slots/000003`): its name (each
 * collection and document id of the path, plus 16), its fields and Firestore's 32 bytes of overhead.
 */
export function documentBytesAt(path: string, fields: object): number {
  const name = path.split('/').reduce((sum, segment) => sum + stringBytes(segment), 16);
  return name + storageBytes(fields) + 32;
}
