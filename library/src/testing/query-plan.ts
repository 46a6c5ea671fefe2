import {
  DOCUMENT_ID,
  StoreError,
  type DocumentData,
  type Filter,
  type Query,
  type StoreValue,
} from '../core/ports/document-store';
import { checkCollectionPath, isFieldPath } from './document-data';
import { indexShape, valueOf, type IndexShape, type OrderField } from './index-shape';
import { intersect, NOT_NULL, rangeInterval, type Interval } from './value-bounds';
import { compareStrings, compareValues, equalityKey, typeRank } from './value-order';

/** Firestore's limits on a query's disjunctions: values of an `in`, of a `not-in`, and `in` combinations. */
const MAX_IN_VALUES = 30;
const MAX_NOT_IN_VALUES = 10;
const MAX_DISJUNCTIONS = 30;

const INEQUALITIES: ReadonlySet<string> = new Set(['<', '<=', '>', '>=', '!=', 'not-in']);
const RANGES: ReadonlySet<string> = new Set(['<', '<=', '>', '>=']);

/** The inequality filters of the order's first field, which bound the walk of an index. */
export interface FirstFieldBounds {
  /** The values its range filters (or, without one, its `!=` and `not-in`) let through. */
  readonly interval: Interval;
  /** Values its `!=` and `not-in` filters leave out. */
  readonly excluded: readonly StoreValue[];
}

/** Where a query starts: at (inclusive) or after the position of these values of the order's first fields. */
export interface Cursor {
  readonly values: readonly StoreValue[];
  readonly inclusive: boolean;
}

/** A query worked out: the index shape that serves it, and what to read of it. */
export interface QueryPlan {
  readonly shape: IndexShape;
  /** The equality buckets that hold the query's documents (several for an `in`); none when nothing can match. */
  readonly buckets: readonly string[];
  /** When a DOCUMENT_ID `==` or `in` filter names the documents: their ids (looked up, no index needed). */
  readonly ids: readonly string[] | undefined;
  /** The first order field's inequality filters, when it has some. */
  readonly first: FirstFieldBounds | undefined;
  /** Whether the buckets and `first` alone decide which documents match (no other filter is checked one by one). */
  readonly boundedByIndex: boolean;
  readonly cursor: Cursor | undefined;
  readonly limit: number | undefined;
  readonly select: readonly string[] | undefined;
  /** Whether a document matches every filter and has every order field (the check a scan makes). */
  matches(data: DocumentData, id: string): boolean;
}

function refuse(message: string): never {
  throw new StoreError('invalid-argument', `invalid query: ${message}`);
}

/** Whether a field's value (undefined if missing) passes one filter, with Firestore's rules. */
function passes(filter: CheckedFilter, value: StoreValue | undefined): boolean {
  if (value === undefined) return false; // a document lacking a filtered field never matches
  switch (filter.op) {
    case '==':
      return compareValues(value, filter.value) === 0;
    case '!=':
      return value !== null && compareValues(value, filter.value) !== 0;
    case 'in':
      return filter.keys.has(equalityKey(value));
    case 'not-in':
      return value !== null && !filter.keys.has(equalityKey(value));
    default: {
      // A range matches values of its own value's type only, and never NaN.
      if (typeRank(value) !== typeRank(filter.value) || Number.isNaN(value)) return false;
      const order = compareValues(value, filter.value);
      if (filter.op === '<') return order < 0;
      if (filter.op === '<=') return order <= 0;
      if (filter.op === '>') return order > 0;
      return order >= 0;
    }
  }
}

/** A filter checked for Firestore's rules, with the equality keys of an `in` or `not-in` list. */
interface CheckedFilter extends Filter {
  readonly keys: ReadonlySet<string>;
}

function checkFilter(filter: Filter): CheckedFilter {
  const { field, op, value } = filter;
  if (!isFieldPath(field)) refuse(`a filter's field "${field}" is not a field path`);
  let keys: ReadonlySet<string> = new Set();
  if (op === 'in' || op === 'not-in') {
    if (!Array.isArray(value) || value.length === 0) refuse(`${field} ${op} needs a non-empty array`);
    const list = value as readonly StoreValue[];
    const max = op === 'in' ? MAX_IN_VALUES : MAX_NOT_IN_VALUES;
    if (list.length > max) refuse(`${field} ${op} takes at most ${max} values`);
    // `in` never matches null (as the emulator answers); a `not-in` list holding null matches nothing at all.
    keys = new Set(list.filter((item) => op === 'not-in' || item !== null).map(equalityKey));
  } else if (RANGES.has(op)) {
    if (value === null || Number.isNaN(value)) refuse(`${field} ${op}: only == and != compare with null and NaN`);
  } else if (op !== '==' && op !== '!=') {
    refuse(`unknown operator ${String(op)}`);
  }
  if (field === DOCUMENT_ID) {
    const values = Array.isArray(value) ? (value as readonly StoreValue[]) : [value];
    if (values.some((id) => typeof id !== 'string')) refuse(`${DOCUMENT_ID} ${op} takes document ids (strings)`);
  }
  return { field, op, value, keys };
}

/** The order: the query's orderBy, then its inequality fields not in it, by name, the way of the last (Firestore's). */
function orderOf(query: Query, filters: readonly CheckedFilter[]): OrderField[] {
  const order: OrderField[] = (query.orderBy ?? []).map(({ field, direction }) => ({
    field,
    descending: direction === 'desc',
  }));
  const named = new Set<string>();
  for (const { field } of order) {
    if (!isFieldPath(field)) refuse(`the orderBy field "${field}" is not a field path`);
    if (named.has(field)) refuse(`${field} is ordered by twice`);
    named.add(field);
  }
  const descending = order.length > 0 && order[order.length - 1].descending;
  const implicit = [
    ...new Set(filters.filter((f) => INEQUALITIES.has(f.op) && f.field !== DOCUMENT_ID).map((f) => f.field)),
  ]
    .filter((field) => !named.has(field))
    .sort(compareStrings);
  order.push(...implicit.map((field) => ({ field, descending })));
  const idAt = order.findIndex(({ field }) => field === DOCUMENT_ID);
  if (idAt >= 0 && idAt < order.length - 1) refuse(`nothing can be ordered after ${DOCUMENT_ID}`);
  return order;
}

/** The values each equality field may hold, as equality keys (an `==` gives one, an `in` several; both: both). */
function equalityKeys(filters: readonly CheckedFilter[]): Map<string, Set<string>> {
  const allowed = new Map<string, Set<string>>();
  for (const filter of filters) {
    if (filter.field === DOCUMENT_ID || (filter.op !== '==' && filter.op !== 'in')) continue;
    const keys = filter.op === '==' ? new Set([equalityKey(filter.value)]) : new Set(filter.keys);
    const before = allowed.get(filter.field);
    allowed.set(filter.field, before ? new Set([...before].filter((key) => keys.has(key))) : keys);
  }
  return allowed;
}

/** Every combination of one key per field, each combination a bucket key. */
function bucketsOf(fields: readonly string[], allowed: Map<string, Set<string>>): string[] {
  let combinations: string[][] = [[]];
  for (const field of fields) {
    const keys = [...(allowed.get(field) ?? [])];
    combinations = combinations.flatMap((combination) => keys.map((key) => [...combination, key]));
  }
  if (combinations.length > MAX_DISJUNCTIONS) refuse(`more than ${MAX_DISJUNCTIONS} combinations of in values`);
  return combinations.map((keys) => keys.join('\u0000'));
}

/** The ids named by DOCUMENT_ID `==` and `in` filters (all of them must hold), or undefined without one. */
function namedIds(filters: readonly CheckedFilter[]): string[] | undefined {
  let ids: string[] | undefined;
  for (const { field, op, value } of filters) {
    if (field !== DOCUMENT_ID || (op !== '==' && op !== 'in')) continue;
    const these = (op === '==' ? [value] : (value as readonly StoreValue[])) as string[];
    ids = ids ? ids.filter((id) => these.includes(id)) : [...new Set(these)];
  }
  return ids;
}

/** The interval and exclusions of the inequality filters of the order's first field, if it has some. */
function firstFieldBounds(field: string | undefined, filters: readonly CheckedFilter[]): FirstFieldBounds | undefined {
  const own = filters.filter((filter) => filter.field === field && INEQUALITIES.has(filter.op));
  if (own.length === 0) return undefined;
  let interval: Interval | undefined;
  const excluded: StoreValue[] = [];
  for (const filter of own) {
    if (filter.op === '!=') excluded.push(filter.value);
    else if (filter.op === 'not-in') excluded.push(...(filter.value as readonly StoreValue[]));
    else {
      const range = rangeInterval(filter.op as '<' | '<=' | '>' | '>=', filter.value);
      interval = interval ? intersect(interval, range) : range;
    }
  }
  return { interval: interval ?? NOT_NULL, excluded };
}

/** The query's start cursor: at most one, of at least one value, and no more values than orderBy fields. */
function cursorOf(query: Query, explicitOrder: number): Cursor | undefined {
  if (query.startAt && query.startAfter) refuse('a query takes one start cursor, startAt or startAfter');
  const values = query.startAt ?? query.startAfter;
  if (!values) return undefined;
  if (values.length === 0) refuse('a cursor needs at least one value');
  if (values.length > explicitOrder) refuse('a cursor has more values than the query has orderBy fields');
  return { values, inclusive: query.startAt !== undefined };
}

/**
 * Works out a query as Firestore would serve it, and refuses what Firestore refuses (with `invalid-argument`): more
 * than one `!=` or `not-in`, `not-in` with `in`, too many `in` values, a range on null or NaN, a cursor longer than
 * the orderBy, a field ordered after the document id. The order is the orderBy, then the inequality filters' other
 * fields by name, then the id, each after the way of the last orderBy.
 */
export function planQuery(query: Query): QueryPlan {
  checkCollectionPath(query.collection);
  for (const field of query.select ?? []) {
    if (!isFieldPath(field)) refuse(`the select field "${field}" is not a field path`);
  }
  const filters = (query.where ?? []).map(checkFilter);
  const negations = filters.filter((filter) => filter.op === '!=' || filter.op === 'not-in');
  if (negations.length > 1) refuse('only one != or not-in filter is allowed');
  if (filters.some((filter) => filter.op === 'not-in') && filters.some((filter) => filter.op === 'in')) {
    refuse('not-in cannot be combined with in');
  }
  if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 0)) {
    refuse('the limit must be a whole number, 0 or more');
  }
  const order = orderOf(query, filters);
  const allowed = equalityKeys(filters);
  const equalityFields = [...allowed.keys()].sort(compareStrings);
  const shape = indexShape(query.collection, equalityFields, order);
  const ids = namedIds(filters);
  const first = firstFieldBounds(order[0]?.field, filters);
  const matchesNothing = filters.some(
    (filter) => filter.op === 'not-in' && (filter.value as StoreValue[]).includes(null),
  );
  const buckets = matchesNothing ? [] : bucketsOf(shape.equalityFields, allowed);
  const boundedByIndex = filters.every(
    (filter) =>
      (filter.field !== DOCUMENT_ID && (filter.op === '==' || filter.op === 'in')) ||
      (filter.field === order[0]?.field && INEQUALITIES.has(filter.op)),
  );
  const orderFields = order.map(({ field }) => field);
  return {
    shape,
    buckets,
    ids,
    first,
    boundedByIndex: boundedByIndex && ids === undefined,
    cursor: cursorOf(query, query.orderBy?.length ?? 0),
    limit: query.limit,
    select: query.select,
    matches: (data, id) =>
      !matchesNothing &&
      filters.every((filter) => passes(filter, valueOf(filter.field, data, id))) &&
      orderFields.every((field) => valueOf(field, data, id) !== undefined),
  };
}
