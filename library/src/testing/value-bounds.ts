import type { StoreValue } from '../core/ports/document-store';
import { compareValues, TypeRank, typeRank } from './value-order';

/** Above every value of its type and below every value of the next: where a range filter's type ends. */
export class TypeEnd {
  constructor(readonly rank: TypeRank) {}
}

/** One end of an interval of values, in Firestore's order of values. */
export interface Bound {
  readonly value: StoreValue | TypeEnd;
  readonly inclusive: boolean;
}

/**
 * The values a field's inequality filters let through, as one interval of Firestore's order of values: a range
 * filter matches values of its own value's type only, and each type's values are contiguous in that order, so every
 * range filter is an interval, and so is their intersection.
 */
export interface Interval {
  readonly low: Bound;
  readonly high: Bound;
}

/** A value against a bound's value: negative, 0 or positive. */
export function compareToBound(value: StoreValue, bound: StoreValue | TypeEnd): number {
  if (bound instanceof TypeEnd) return typeRank(value) <= bound.rank ? -1 : 1;
  return compareValues(value, bound);
}

function compareBounds(a: StoreValue | TypeEnd, b: StoreValue | TypeEnd): number {
  if (a instanceof TypeEnd) return b instanceof TypeEnd ? a.rank - b.rank : -compareToBound(b, a);
  return compareToBound(a, b);
}

/** The lowest value of a type's block (NaN, which sorts below -Infinity, is left out: ranges never match it). */
function typeLow(rank: TypeRank): Bound {
  switch (rank) {
    case TypeRank.Boolean:
      return { value: false, inclusive: true };
    case TypeRank.Number:
      return { value: -Infinity, inclusive: true };
    case TypeRank.String:
      return { value: '', inclusive: true };
    case TypeRank.Array:
      return { value: [], inclusive: true };
    default:
      return { value: {}, inclusive: true };
  }
}

/** The highest value of a type's block. */
function typeHigh(rank: TypeRank): Bound {
  switch (rank) {
    case TypeRank.Boolean:
      return { value: true, inclusive: true };
    case TypeRank.Number:
      return { value: Infinity, inclusive: true };
    default:
      return { value: new TypeEnd(rank), inclusive: true };
  }
}

/** Every value but null: what a `!=` or `not-in` filter lets through before its exclusions. */
export const NOT_NULL: Interval = {
  low: { value: null, inclusive: false },
  high: { value: new TypeEnd(TypeRank.Map), inclusive: true },
};

/** The interval of one range filter (its value is neither null nor NaN: the plan refuses those). */
export function rangeInterval(op: '<' | '<=' | '>' | '>=', value: StoreValue): Interval {
  const rank = typeRank(value);
  switch (op) {
    case '<':
      return { low: typeLow(rank), high: { value, inclusive: false } };
    case '<=':
      return { low: typeLow(rank), high: { value, inclusive: true } };
    case '>':
      return { low: { value, inclusive: false }, high: typeHigh(rank) };
    case '>=':
      return { low: { value, inclusive: true }, high: typeHigh(rank) };
  }
}

/** The values both intervals hold (possibly none: then low is above high). */
export function intersect(a: Interval, b: Interval): Interval {
  const lowOrder = compareBounds(a.low.value, b.low.value);
  const low =
    lowOrder > 0 ? a.low : lowOrder < 0 ? b.low : { value: a.low.value, inclusive: a.low.inclusive && b.low.inclusive };
  const highOrder = compareBounds(a.high.value, b.high.value);
  const high =
    highOrder < 0
      ? a.high
      : highOrder > 0
        ? b.high
        : { value: a.high.value, inclusive: a.high.inclusive && b.high.inclusive };
  return { low, high };
}

/** Whether `value` is below the interval's low end. */
export function belowLow(value: StoreValue, interval: Interval): boolean {
  const order = compareToBound(value, interval.low.value);
  return order < 0 || (order === 0 && !interval.low.inclusive);
}

/** Whether `value` is above the interval's high end. */
export function aboveHigh(value: StoreValue, interval: Interval): boolean {
  const order = compareToBound(value, interval.high.value);
  return order > 0 || (order === 0 && !interval.high.inclusive);
}
