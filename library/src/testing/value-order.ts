import type { StoreValue } from '../core/ports/document-store';

/**
 * Where each type of value sorts, as Firestore orders values of different types
 * (firebase.google.com/docs/firestore/manage-data/data-types#value_type_ordering): null, booleans, numbers,
 * strings, arrays, maps. Firestore's timestamps sort between numbers and strings; the port keeps times as numbers.
 */
export const TypeRank = { Null: 0, Boolean: 1, Number: 2, String: 5, Array: 9, Map: 11 } as const;

/** A type's place in the order of types. */
export type TypeRank = (typeof TypeRank)[keyof typeof TypeRank];

/** Where a value's type sorts among the others. */
export function typeRank(value: StoreValue): TypeRank {
  if (value === null) return TypeRank.Null;
  switch (typeof value) {
    case 'boolean':
      return TypeRank.Boolean;
    case 'number':
      return TypeRank.Number;
    case 'string':
      return TypeRank.String;
    default:
      return Array.isArray(value) ? TypeRank.Array : TypeRank.Map;
  }
}

/**
 * Two strings in Firestore's order, which is their UTF-8 bytes' order, that is their code points' order. JavaScript's
 * `<` compares UTF-16 code units, which differs only where a surrogate (a code point above U+FFFF) meets a code unit
 * from U+E000 to U+FFFF; that case is settled by code point.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Two numbers in Firestore's order: NaN first (equal to itself), then by value, with 0 and -0 equal. */
function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  return 1;
}

type StoreMap = { readonly [key: string]: StoreValue };

function compareArrays(a: readonly StoreValue[], b: readonly StoreValue[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const order = compareValues(a[i], b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** Two maps as Firestore orders them: key by key in key order, each key then its value; the shorter first. */
function compareMaps(a: StoreMap, b: StoreMap): number {
  const aKeys = Object.keys(a).sort(compareStrings);
  const bKeys = Object.keys(b).sort(compareStrings);
  const length = Math.min(aKeys.length, bKeys.length);
  for (let i = 0; i < length; i++) {
    const keyOrder = compareStrings(aKeys[i], bKeys[i]);
    if (keyOrder !== 0) return keyOrder;
    const valueOrder = compareValues(a[aKeys[i]], b[bKeys[i]]);
    if (valueOrder !== 0) return valueOrder;
  }
  return aKeys.length - bKeys.length;
}

/** Two values in Firestore's order: by type first, then within the type. Negative, 0 or positive. */
export function compareValues(a: StoreValue, b: StoreValue): number {
  // Numbers and strings are what indexes mostly hold: they are compared without ranking the types.
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  const aRank = typeRank(a);
  const bRank = typeRank(b);
  if (aRank !== bRank) return aRank - bRank;
  switch (aRank) {
    case TypeRank.Null:
      return 0;
    case TypeRank.Boolean:
      return Number(a) - Number(b);
    case TypeRank.Array:
      return compareArrays(a as readonly StoreValue[], b as readonly StoreValue[]);
    default:
      return compareMaps(a as StoreMap, b as StoreMap);
  }
}

/**
 * A string that two values share exactly when Firestore takes them as equal (`compareValues` gives 0): the key of an
 * equality bucket of an index. 0 and -0 share one, NaN has its own, a map's keys are taken in order.
 */
export function equalityKey(value: StoreValue): string {
  if (value === null) return 'n';
  switch (typeof value) {
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      return `d${value === 0 ? 0 : value}`;
    case 'string':
      return `s${JSON.stringify(value)}`;
    default:
      if (Array.isArray(value)) return `[${(value as readonly StoreValue[]).map(equalityKey).join(',')}]`;
      return `{${Object.keys(value)
        .sort(compareStrings)
        .map((key) => `${JSON.stringify(key)}:${equalityKey((value as StoreMap)[key])}`)
        .join(',')}}`;
  }
}
