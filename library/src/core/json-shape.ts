import { ValidationError } from './errors';

/**
 * The deepest nesting a request may have (objects and arrays, the request itself at depth 1). Far beyond what a
 * task input needs, and far below where a recursive reader (JSON.stringify, a schema, Firestore's encoder)
 * runs out of stack.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Keys refused anywhere in a request. `__proto__` in particular: a decoder that copies keys into a new object
 * (firebase-functions' callable `decode` does) turns it into the object's prototype, so a validator would read
 * inherited fields that a size check, or the stored document, does not see.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of a key below `parent`, as the refusal's `field` names it. */
const fieldOf = (parent: string, key: string | number) => (parent === '' ? String(key) : `${parent}.${key}`);

/** JSON's text of a string or number (not recursive), for its byte count. */
const scalarBytes = (value: string | number | boolean | null) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Walks a parsed JSON value without recursion, so any depth is safe to look at, and returns the size in bytes of
 * its JSON text, counted from the value itself (what validation reads and what is stored). Throws a
 * ValidationError naming the field for a value nested deeper than `maxDepth`, a forbidden key, an object whose
 * prototype is not Object's (a `__proto__` a decoder turned into one), or anything JSON cannot hold.
 */
export function measureJson(value: unknown, field: string, maxDepth: number = MAX_JSON_DEPTH): number {
  let bytes = 0;
  const pending: { value: unknown; field: string; depth: number }[] = [{ value, field, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.pop();
    if (!next) break;
    const { value: current, field: at, depth } = next;
    if (current === undefined || current === null || typeof current === 'string' || typeof current === 'boolean') {
      bytes += scalarBytes(current ?? null); // undefined in an array is written as null
      continue;
    }
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) throw new ValidationError(at, `${at || 'the request'} is not a finite number`);
      bytes += scalarBytes(current);
      continue;
    }
    if (typeof current !== 'object') {
      throw new ValidationError(at, `${at || 'the request'} is ${typeof current}, which JSON cannot hold`);
    }
    if (depth + 1 > maxDepth) {
      throw new ValidationError(at, `${at || 'the request'} is nested deeper than ${maxDepth} levels`);
    }
    if (Array.isArray(current)) {
      bytes += 2 + Math.max(0, current.length - 1); // [ ] and the commas
      current.forEach((item: unknown, i) => pending.push({ value: item, field: fieldOf(at, i), depth: depth + 1 }));
      continue;
    }
    const prototype: unknown = Object.getPrototypeOf(current);
    if (prototype !== Object.prototype && prototype !== null) {
      const where = fieldOf(at, '__proto__');
      throw new ValidationError(where, `${where}: the key "__proto__" is not allowed`);
    }
    // As JSON.stringify does, a key whose value is undefined is left out.
    const entries = Object.entries(current).filter(([, item]) => item !== undefined);
    bytes += 2 + Math.max(0, entries.length - 1); // { } and the commas
    for (const [key, item] of entries) {
      const child = fieldOf(at, key);
      if (FORBIDDEN_KEYS.has(key)) throw new ValidationError(child, `${child}: the key "${key}" is not allowed`);
      bytes += scalarBytes(key) + 1; // the key and its colon
      pending.push({ value: item, field: child, depth: depth + 1 });
    }
  }
  return bytes;
}
