/**
 * measureJson is the first look at a request's shape: it must refuse what would mislead or crash what reads the
 * request after it (a `__proto__` key, nesting deeper than the bound), at any depth and without recursion, and
 * count bytes exactly as JSON.stringify would write the value.
 */
import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH, measureJson } from '../../library/src/core/json-shape';
import { ValidationError } from '../../library/src/core/errors';

/** The ValidationError measureJson must throw; fails the test on anything else. */
function refusal(value: unknown, field = 'input'): ValidationError {
  try {
    measureJson(value, field);
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

/** `levels` arrays, each holding the next. */
function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

describe('measureJson', () => {
  it('counts the bytes JSON.stringify writes, for every kind of value', () => {
    const samples: unknown[] = [
      {},
      [],
      { a: 1, b: 'two', c: [true, false, null], d: { e: -1.5e-7 } },
      { emoji: '😀', quote: 'say "hi"\n', accent: 'é', control: '\u0001' },
      [1, [2, [3, []]], {}],
      { skipped: undefined, kept: 1 },
      'plain',
      0,
    ];
    for (const sample of samples) {
      assert.equal(
        measureJson(sample, 'input'),
        Buffer.byteLength(JSON.stringify(sample), 'utf8'),
        JSON.stringify(sample),
      );
    }
  });

  it('accepts nesting up to the bound and refuses one level more, naming where', () => {
    assert.doesNotThrow(() => measureJson(nestedArrays(MAX_JSON_DEPTH), 'input'));
    const error = refusal(nestedArrays(MAX_JSON_DEPTH + 1));
    assert.equal(error.field, `input${'.0'.repeat(MAX_JSON_DEPTH)}`);
    assert.match(error.message, new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`));
  });

  it('refuses nesting of 100,000 levels without running out of stack', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    assert.match(refusal(deep).message, /nested deeper/);
  });

  it('refuses a "__proto__" key as JSON.parse keeps it (an own key), at any depth', () => {
    const parsed = JSON.parse('{"a":{"b":[{"__proto__":{"worktime":5}}]}}') as unknown;
    const error = refusal(parsed);
    assert.equal(error.field, 'input.a.b.0.__proto__');
    assert.match(error.message, /"__proto__" is not allowed/);
  });

  it('refuses an object whose prototype a decoder set from a "__proto__" key', () => {
    // What firebase-functions' callable decode makes of {"__proto__": {...}}: obj["__proto__"] = value.
    const decoded: Record<string, unknown> = {};
    decoded['__proto__'] = { worktime: 5 };
    assert.equal(JSON.stringify(decoded), '{}', 'invisible to a size check that stringifies');
    const error = refusal({ nested: decoded });
    assert.equal(error.field, 'input.nested.__proto__');
  });

  it('refuses "constructor" and "prototype" keys', () => {
    assert.equal(refusal({ constructor: {} }).field, 'input.constructor');
    assert.equal(refusal({ a: [{ prototype: 1 }] }).field, 'input.a.0.prototype');
  });

  it('accepts an object without a prototype', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    assert.equal(measureJson(bare, 'input'), 7);
  });

  it('refuses what JSON cannot hold: non-finite numbers, functions, bigints', () => {
    assert.equal(refusal({ n: Number.NaN }).field, 'input.n');
    assert.equal(refusal({ n: Infinity }).field, 'input.n');
    assert.equal(refusal({ f: () => 1 }).field, 'input.f');
    assert.equal(refusal({ b: 1n }).field, 'input.b');
  });

  it('names the request itself as "" when the request is the problem', () => {
    const error = refusal(nestedArrays(MAX_JSON_DEPTH + 1), '');
    assert.equal(error.field, `0${'.0'.repeat(MAX_JSON_DEPTH - 1)}`);
    assert.match(refusal(Number.NaN, '').message, /the request is not a finite number/);
  });
});
