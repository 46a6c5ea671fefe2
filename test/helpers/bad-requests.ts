/**
 * Bad createJob requests, each with what the refusal must say: one table for the callable and the HTTP API,
 * which share their validation.
 */
import { DEFAULT_MAX_INPUT_BYTES } from '../../library/src/core/create-request';
import { MAX_JSON_DEPTH } from '../../library/src/core/json-shape';
import { MAX_WORKTIME_SECONDS } from '../../functions/src/tasks/sleep';

export interface BadRequest {
  name: string;
  /** The request, as a client SDK sends it. */
  data?: unknown;
  /** The request as JSON text, for what the client SDK cannot send (tests send it as written). */
  json?: string;
  /** What the message must say. */
  message: RegExp;
  /** The field the refusal names (`details.field`); "" for the request as a whole. */
  field: string;
}

export const BAD_REQUESTS: BadRequest[] = [
  { name: 'null', data: null, message: /request must be an object.*not null/, field: '' },
  { name: 'an array', data: [{ type: 'sleep' }], message: /request must be an object.*not an array/, field: '' },
  { name: 'a string', data: 'sleep', message: /request must be an object.*not a string/, field: '' },
  { name: 'missing type', data: { input: { worktime: 1 } }, message: /type is required/, field: 'type' },
  {
    name: 'non-string type',
    data: { type: 7, input: {} },
    message: /type must be a string, not a number/,
    field: 'type',
  },
  {
    name: 'unknown type',
    data: { type: 'mine-bitcoin', input: {} },
    message: /"mine-bitcoin" is not a known task type.*sleep/,
    field: 'type',
  },
  { name: 'missing input', data: { type: 'sleep' }, message: /input is required/, field: 'input' },
  {
    name: 'non-object input',
    data: { type: 'sleep', input: 40 },
    message: /input must be an object, not a number/,
    field: 'input',
  },
  {
    name: 'array input',
    data: { type: 'sleep', input: [40] },
    message: /input must be an object, not an array/,
    field: 'input',
  },
  {
    name: 'wrong field type',
    data: { type: 'sleep', input: { worktime: '40' } },
    message: /input\.worktime/,
    field: 'input.worktime',
  },
  { name: 'missing field', data: { type: 'sleep', input: {} }, message: /input\.worktime/, field: 'input.worktime' },
  {
    name: 'negative worktime',
    data: { type: 'sleep', input: { worktime: -1 } },
    message: /input\.worktime.*0/,
    field: 'input.worktime',
  },
  {
    name: 'worktime over the maximum',
    data: { type: 'sleep', input: { worktime: MAX_WORKTIME_SECONDS + 1 } },
    message: new RegExp(`input\\.worktime.*${MAX_WORKTIME_SECONDS}`),
    field: 'input.worktime',
  },
  {
    name: 'an input over the size limit',
    data: { type: 'sleep', input: { worktime: 1, padding: 'x'.repeat(DEFAULT_MAX_INPUT_BYTES) } },
    message: new RegExp(`input is \\d+ bytes of JSON; the limit is ${DEFAULT_MAX_INPUT_BYTES}`),
    field: 'input',
  },
  {
    name: 'an unknown input field',
    data: { type: 'sleep', input: { worktime: 1, extra: true } },
    message: /input.*extra/,
    field: 'input',
  },
  {
    name: 'a requestId that is not a UUID',
    data: { type: 'sleep', input: { worktime: 1 }, requestId: 'abc' },
    message: /requestId must be a UUID/,
    field: 'requestId',
  },
  {
    name: 'a "__proto__" key in the input',
    json: '{"type":"sleep","input":{"__proto__":{"worktime":5}}}',
    message: /input\.__proto__: the key "__proto__" is not allowed/,
    field: 'input.__proto__',
  },
  {
    name: 'a "constructor" key in the input',
    data: { type: 'sleep', input: { worktime: 1, constructor: { name: 'x' } } },
    message: /input\.constructor: the key "constructor" is not allowed/,
    field: 'input.constructor',
  },
  {
    name: 'an input nested deeper than the bound',
    data: { type: 'sleep', input: { worktime: 1, deep: nestedArrays(MAX_JSON_DEPTH) } },
    message: new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`),
    field: `input.deep${'.0'.repeat(MAX_JSON_DEPTH - 2)}`,
  },
];

/** `levels` arrays, each holding the next. */
export function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

/** The request's JSON text, as a row gives it. */
export const requestJson = (row: BadRequest): string => row.json ?? JSON.stringify(row.data);

/**
 * Job ids Firestore refuses to name a document with (a reserved `__…__` id, more than 1,500 bytes): every
 * operation on one must answer exactly as for a job that does not exist.
 */
export const UNNAMEABLE_JOB_IDS: { name: string; id: string }[] = [
  { name: 'a reserved __…__ id', id: '__x__' },
  { name: 'an id of 1,501 bytes', id: 'a'.repeat(1501) },
];
