/**
 * The HTTP API's query and body parsing. Everything a caller sends in a query string arrives as a string (or an
 * array, for a repeated parameter), so each parser takes `unknown` and either returns a value the handlers can
 * trust or throws a ValidationError naming the parameter, which the API answers as 400 INVALID_ARGUMENT.
 */
import assert from 'node:assert/strict';
import type { PageCursor } from '../../library/src/core/protocol/owner-jobs';
import {
  createRequestFromBody,
  decodePageToken,
  DEFAULT_PAGE_SIZE,
  DEFAULT_WAIT_SECONDS,
  encodePageToken,
  MAX_PAGE_SIZE,
  MAX_WAIT_SECONDS,
  parsePageSize,
  parseWaitTimeout,
} from '../../library/src/entry/http/request-parsing';
import { ValidationError } from '../../library/src/core/errors';

/** Runs `parse` and returns the ValidationError it must throw; fails the test on anything else. */
function validationErrorOf(parse: () => unknown, what: string): ValidationError {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError for ${what}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${what} to be refused`);
}

/** A token as a client might forge one: base64url of any JSON. */
function tokenOf(json: unknown): string {
  return Buffer.from(JSON.stringify(json), 'utf8').toString('base64url');
}

describe('createRequestFromBody', () => {
  it("turns the seed tutorial's {worktime: 40} into a sleep request", () => {
    assert.deepEqual(createRequestFromBody({ worktime: 40 }), { type: 'sleep', input: { worktime: 40 } });
  });

  it('keeps every field of a seed-style body in the input, for the sleep schema to judge', () => {
    assert.deepEqual(createRequestFromBody({ worktime: '40', extra: 1 }), {
      type: 'sleep',
      input: { worktime: '40', extra: 1 },
    });
  });

  it('leaves a body with a type untouched, even when it also has a worktime', () => {
    for (const body of [
      { type: 'sleep', input: { worktime: 1 } },
      { type: 'primes', worktime: 40 },
      { type: undefined, worktime: 40 },
    ]) {
      assert.equal(createRequestFromBody(body), body);
    }
  });

  it('leaves an object without a worktime untouched', () => {
    for (const body of [{}, { input: { worktime: 1 } }, { Worktime: 40 }]) {
      assert.equal(createRequestFromBody(body), body);
    }
  });

  it('leaves non-objects untouched', () => {
    const array = [{ worktime: 40 }];
    assert.equal(createRequestFromBody(array), array);
    for (const body of [null, undefined, 40, '{"worktime":40}', true]) {
      assert.equal(createRequestFromBody(body), body);
    }
  });
});

describe('parsePageSize', () => {
  it(`is ${DEFAULT_PAGE_SIZE} when absent or empty`, () => {
    assert.equal(DEFAULT_PAGE_SIZE, 20);
    assert.equal(parsePageSize(undefined), 20);
    assert.equal(parsePageSize(''), 20);
  });

  it(`accepts whole numbers from 1 to ${MAX_PAGE_SIZE}`, () => {
    assert.equal(MAX_PAGE_SIZE, 100);
    for (const [value, size] of [
      ['1', 1],
      ['2', 2],
      ['20', 20],
      ['99', 99],
      ['100', 100],
      ['007', 7],
    ] as const) {
      assert.equal(parsePageSize(value), size, value);
    }
  });

  const BAD: ReadonlyArray<readonly [string, unknown]> = [
    ['0', '0'],
    ['101', '101'],
    ['a huge number', '99999999999999999999999'],
    ['1.5', '1.5'],
    ['1.0', '1.0'],
    ['-1', '-1'],
    ['+5', '+5'],
    ['abc', 'abc'],
    ['" 5" (a leading space)', ' 5'],
    ['"5 " (a trailing space)', '5 '],
    ['1e1', '1e1'],
    ['0x10', '0x10'],
    ['a number rather than a string', 5],
    ['a repeated parameter (an array)', ['5', '6']],
    ['null', null],
  ];
  for (const [name, value] of BAD) {
    it(`refuses ${name}, naming pageSize`, () => {
      const error = validationErrorOf(() => parsePageSize(value), name);
      assert.equal(error.field, 'pageSize');
      assert.match(error.message, /pageSize/);
      assert.match(error.message, /1 to 100/);
    });
  }
});

describe('page tokens', () => {
  // A cursor's create time is epoch ms with the µs Firestore keeps as a fraction; a token holds it in whole µs.
  const CURSORS: ReadonlyArray<readonly [string, PageCursor]> = [
    ['a cursor with µs precision', { createTime: 1_717_171_717_123.456, id: 'b3Kq9ZfW0pLmN2xRtY7u' }],
    ['an id with - and _', { createTime: 1_700_000_000_000.001, id: 'a-b_c-D_9' }],
    ['a whole ms', { createTime: 1_717_171_717_123, id: 'a' }],
    ['a 128-character id', { createTime: 0.001, id: 'x'.repeat(128) }],
    ['time 0', { createTime: 0, id: 'a' }],
    ['a time centuries ahead', { createTime: 9_000_000_000_000.123, id: '_' }],
  ];
  for (const [name, cursor] of CURSORS) {
    it(`round-trips ${name}`, () => {
      const token = encodePageToken(cursor);
      assert.deepEqual(decodePageToken(token), cursor);
    });
  }

  it('makes tokens that are safe in a URL without escaping', () => {
    for (const [, cursor] of CURSORS) {
      assert.match(encodePageToken(cursor), /^[A-Za-z0-9_-]+$/);
    }
  });

  it('makes different tokens for cursors 1 µs apart', () => {
    const a = encodePageToken({ createTime: 1_717_171_717_123.456, id: 'a' });
    const b = encodePageToken({ createTime: 1_717_171_717_123.457, id: 'a' });
    assert.notEqual(a, b);
    assert.equal(decodePageToken(b)?.createTime, 1_717_171_717_123.457);
  });

  it('holds the time in whole µs: a finer fraction is rounded to the µs, and the token is an integer', () => {
    const token = encodePageToken({ createTime: 12.3456, id: 'a' });
    assert.deepEqual(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')), [12_346, 'a']);
    assert.equal(decodePageToken(token)?.createTime, 12.346);
  });

  it('is no cursor when the token is absent or empty (the first page)', () => {
    assert.equal(decodePageToken(undefined), undefined);
    assert.equal(decodePageToken(''), undefined);
  });

  const BAD: ReadonlyArray<readonly [string, unknown]> = [
    ['garbage', '!!!not a token!!!'],
    ['base64 of text that is not JSON', Buffer.from('hello', 'utf8').toString('base64url')],
    ['a truncated token', encodePageToken({ createTime: 1_717_171_717_123.456, id: 'abc' }).slice(0, -3)],
    ['an object', tokenOf({ createTime: 1, id: 'a' })],
    ['JSON null', tokenOf(null)],
    ['a bare number', tokenOf(1)],
    ['an empty array', tokenOf([])],
    ['one element', tokenOf([1])],
    ['three elements', tokenOf([1, 'a', 2])],
    ['the elements swapped', tokenOf(['a', 1])],
    ['a time as a string', tokenOf(['1717171717123456', 'a'])],
    ['a fractional time', tokenOf([1.5, 'a'])],
    ['an unsafe integer time', tokenOf([2 ** 53, 'a'])],
    ['a time beyond any integer', tokenOf([1e300, 'a'])],
    ['a null time', tokenOf([null, 'a'])],
    ['an id with a slash', tokenOf([1, 'a/b'])],
    ['an id that is a path', tokenOf([1, '../jobs/x'])],
    ['an id with a space', tokenOf([1, 'a b'])],
    ['an empty id', tokenOf([1, ''])],
    ['a 129-character id', tokenOf([1, 'x'.repeat(129)])],
    ['a numeric id', tokenOf([1, 2])],
    ['a null id', tokenOf([1, null])],
    ['a number rather than a string', 12345],
    ['a repeated parameter (an array)', [encodePageToken({ createTime: 1, id: 'a' })]],
    ['an object rather than a string', { createTime: 1, id: 'a' }],
    ['null', null],
  ];
  for (const [name, value] of BAD) {
    it(`refuses ${name}, naming pageToken`, () => {
      const error = validationErrorOf(() => decodePageToken(value), name);
      assert.equal(error.field, 'pageToken');
      assert.match(error.message, /pageToken/);
    });
  }
});

describe('parseWaitTimeout', () => {
  it(`is ${DEFAULT_WAIT_SECONDS} s when absent or empty`, () => {
    assert.equal(parseWaitTimeout(undefined), 30_000);
    assert.equal(parseWaitTimeout(''), 30_000);
  });

  const GOOD: ReadonlyArray<readonly [string, number]> = [
    ['0s', 0],
    ['0.0s', 0],
    ['1s', 1_000],
    ['2.5s', 2_500],
    ['0.001s', 1],
    ['0.25s', 250],
    ['30s', 30_000],
    ['59.999s', 59_999],
    ['60s', 60_000],
    ['60.000000000s', 60_000],
  ];
  for (const [value, ms] of GOOD) {
    it(`reads ${JSON.stringify(value)} as ${ms} ms`, () => {
      assert.equal(parseWaitTimeout(value), ms);
    });
  }

  it(`allows at most ${MAX_WAIT_SECONDS} s`, () => {
    assert.equal(MAX_WAIT_SECONDS, 60);
  });

  const BAD: ReadonlyArray<readonly [string, unknown]> = [
    ['61s', '61s'],
    ['60.001s', '60.001s'],
    ['3600s', '3600s'],
    ['30 (no unit)', '30'],
    ['1m', '1m'],
    ['30ms', '30ms'],
    ['-1s', '-1s'],
    ['abc', 'abc'],
    ['s', 's'],
    ['.5s', '.5s'],
    ['1.s', '1.s'],
    ['" 30s" (a leading space)', ' 30s'],
    ['"30S" (upper case)', '30S'],
    ['more than nanosecond precision', '1.0000000001s'],
    ['a number rather than a string', 30],
    ['a repeated parameter (an array)', ['30s']],
    ['null', null],
  ];
  for (const [name, value] of BAD) {
    it(`refuses ${name}, naming timeout`, () => {
      const error = validationErrorOf(() => parseWaitTimeout(value), name);
      assert.equal(error.field, 'timeout');
      assert.match(error.message, /timeout/);
      assert.match(error.message, /60s/);
    });
  }
});
