/**
 * STATUS_CODES is the one table behind both the Operation's `error.code` (google.rpc.Code numbers) and the
 * HTTP API's status codes, so it is checked against google/rpc/code.proto as written, code by code. The HTTP
 * column is Google's mapping (code.proto's comments, AIP-193) with one deliberate change: FAILED_PRECONDITION
 * is 409 Conflict here, because in this API it always means "the job's state does not allow that".
 */
import assert from 'node:assert/strict';
import { STATUS_CODES } from '../../library/src/entry/http/status-codes';

/** google.rpc.Code: [Firebase's kebab-case name, number, canonical name, Google's HTTP mapping]. */
const GOOGLE_RPC_CODES: ReadonlyArray<readonly [string, number, string, number]> = [
  ['ok', 0, 'OK', 200],
  ['cancelled', 1, 'CANCELLED', 499],
  ['unknown', 2, 'UNKNOWN', 500],
  ['invalid-argument', 3, 'INVALID_ARGUMENT', 400],
  ['deadline-exceeded', 4, 'DEADLINE_EXCEEDED', 504],
  ['not-found', 5, 'NOT_FOUND', 404],
  ['already-exists', 6, 'ALREADY_EXISTS', 409],
  ['permission-denied', 7, 'PERMISSION_DENIED', 403],
  ['resource-exhausted', 8, 'RESOURCE_EXHAUSTED', 429],
  ['failed-precondition', 9, 'FAILED_PRECONDITION', 400],
  ['aborted', 10, 'ABORTED', 409],
  ['out-of-range', 11, 'OUT_OF_RANGE', 400],
  ['unimplemented', 12, 'UNIMPLEMENTED', 501],
  ['internal', 13, 'INTERNAL', 500],
  ['unavailable', 14, 'UNAVAILABLE', 503],
  ['data-loss', 15, 'DATA_LOSS', 500],
  ['unauthenticated', 16, 'UNAUTHENTICATED', 401],
];

/** Where this API departs from Google's HTTP mapping, on purpose. */
const HTTP_OVERRIDES: Readonly<Record<string, number>> = { 'failed-precondition': 409 };

describe('STATUS_CODES', () => {
  it('has exactly the 17 google.rpc codes', () => {
    assert.equal(Object.keys(STATUS_CODES).length, 17);
    assert.deepEqual(Object.keys(STATUS_CODES).sort(), GOOGLE_RPC_CODES.map(([key]) => key).sort());
  });

  it('numbers them 0 to 16, each once', () => {
    const numbers = Object.values(STATUS_CODES).map((code) => code.rpc);
    assert.equal(new Set(numbers).size, 17);
    assert.deepEqual(
      [...numbers].sort((a, b) => a - b),
      Array.from({ length: 17 }, (_, i) => i),
    );
  });

  it('names each one once', () => {
    assert.equal(new Set(Object.values(STATUS_CODES).map((code) => code.name)).size, 17);
  });

  for (const [key, rpc, name, googleHttp] of GOOGLE_RPC_CODES) {
    const http = HTTP_OVERRIDES[key] ?? googleHttp;
    it(`${key} is ${name} (${rpc}), HTTP ${http}${key in HTTP_OVERRIDES ? ` (Google: ${googleHttp})` : ''}`, () => {
      assert.deepEqual(STATUS_CODES[key as keyof typeof STATUS_CODES], { rpc, name, http });
    });
  }

  it("spells each name as the kebab-case key in upper snake case (Firebase's spelling ↔ google.rpc's)", () => {
    for (const [key, code] of Object.entries(STATUS_CODES)) {
      assert.equal(code.name, key.toUpperCase().replace(/-/g, '_'));
    }
  });

  it('answers every error code (all but ok) with a 4xx or 5xx', () => {
    for (const [key, code] of Object.entries(STATUS_CODES)) {
      if (key === 'ok') continue;
      assert.ok(code.http >= 400 && code.http <= 599, `${key}: ${code.http}`);
    }
  });
});
