/**
 * Idempotent create: a repeated request must land on the job its first try made, so the id must be a pure
 * function of (owner, requestId); two users must never share one; and it must be a valid, auto-id-like
 * document id. isSameRequest then tells a true repeat from a requestId reused for another request.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { canonicalJson, isSameRequest, jobIdForRequest } from '../../library/src/core/request-identity';

const OWNER = 'uid-alice';
const OTHER = 'uid-bob';
const REQUEST_ID = '0b6f9f0e-3a3c-4f7e-9d55-1f1e2a3b4c5d';
const AUTO_ID = /^[A-Za-z0-9]{20}$/;

describe('request-identity', () => {
  describe('jobIdForRequest', () => {
    it('is deterministic: the same owner and requestId always give the same id', () => {
      const first = jobIdForRequest(OWNER, REQUEST_ID);
      assert.equal(jobIdForRequest(OWNER, REQUEST_ID), first);
      assert.equal(jobIdForRequest(`${OWNER}`, `${REQUEST_ID}`), first);
    });

    it('is 20 characters of [A-Za-z0-9], like a Firestore auto-id', () => {
      assert.match(jobIdForRequest(OWNER, REQUEST_ID), AUTO_ID);
    });

    it('is 20 characters of [A-Za-z0-9] for a thousand random requests, none colliding', () => {
      const ids = new Set<string>();
      for (let i = 0; i < 1_000; i++) {
        const id = jobIdForRequest(`uid-${i % 7}`, randomUUID());
        assert.match(id, AUTO_ID);
        ids.add(id);
      }
      assert.equal(ids.size, 1_000);
    });

    it('differs by owner: two users sending the same requestId get different jobs', () => {
      assert.notEqual(jobIdForRequest(OWNER, REQUEST_ID), jobIdForRequest(OTHER, REQUEST_ID));
    });

    it('differs by requestId', () => {
      const other = '0b6f9f0e-3a3c-4f7e-9d55-1f1e2a3b4c5e';
      assert.notEqual(jobIdForRequest(OWNER, REQUEST_ID), jobIdForRequest(OWNER, other));
    });

    it('does not let owner and requestId run into each other ("ab"+"c" is not "a"+"bc")', () => {
      assert.notEqual(jobIdForRequest('ab', 'c'), jobIdForRequest('a', 'bc'));
    });

    it('ignores the case of the UUID (an upper-case UUID is the same request)', () => {
      assert.equal(jobIdForRequest(OWNER, REQUEST_ID.toUpperCase()), jobIdForRequest(OWNER, REQUEST_ID));
      const mixed = REQUEST_ID.replace(/[a-f]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c));
      assert.equal(jobIdForRequest(OWNER, mixed), jobIdForRequest(OWNER, REQUEST_ID));
    });

    it('keeps the case of the owner (uids are case-sensitive)', () => {
      assert.notEqual(jobIdForRequest('uid-Alice', REQUEST_ID), jobIdForRequest('uid-alice', REQUEST_ID));
    });

    it('does not contain the owner or the requestId', () => {
      const id = jobIdForRequest(OWNER, REQUEST_ID);
      assert.ok(!id.includes('alice'));
      assert.ok(!id.includes(REQUEST_ID.slice(0, 8)));
    });
  });

  describe('canonicalJson', () => {
    it('does not depend on key order', () => {
      assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
      assert.equal(canonicalJson({ b: 2, a: 1 }), '{"a":1,"b":2}');
    });

    it('sorts the keys of nested objects, including objects inside arrays', () => {
      const one = { outer: { z: 1, y: { d: 4, c: 3 } }, list: [{ b: 1, a: 2 }], k: 'v' };
      const two = { k: 'v', list: [{ a: 2, b: 1 }], outer: { y: { c: 3, d: 4 }, z: 1 } };
      assert.equal(canonicalJson(one), canonicalJson(two));
      assert.equal(canonicalJson(one), '{"k":"v","list":[{"a":2,"b":1}],"outer":{"y":{"c":3,"d":4},"z":1}}');
    });

    it('keeps the order of arrays (it is part of the value)', () => {
      assert.notEqual(canonicalJson({ list: [1, 2] }), canonicalJson({ list: [2, 1] }));
    });

    it('tells different values apart', () => {
      assert.notEqual(canonicalJson({ worktime: 1 }), canonicalJson({ worktime: 2 }));
      assert.notEqual(canonicalJson({ worktime: 1 }), canonicalJson({ worktime: '1' }));
      assert.notEqual(canonicalJson({ a: { b: 1 } }), canonicalJson({ a: { b: 1, c: 2 } }));
    });

    it('handles primitives, null and empty containers', () => {
      assert.equal(canonicalJson(null), 'null');
      assert.equal(canonicalJson(3), '3');
      assert.equal(canonicalJson('s'), '"s"');
      assert.equal(canonicalJson({}), '{}');
      assert.equal(canonicalJson([]), '[]');
      assert.equal(canonicalJson({ a: null }), '{"a":null}');
    });
  });

  describe('isSameRequest', () => {
    const stored = { type: 'sleep', input: { worktime: 40, options: { b: true, a: [1, 2] } } };

    it('is true for the same type and input', () => {
      assert.equal(
        isSameRequest(stored, { type: 'sleep', input: { worktime: 40, options: { b: true, a: [1, 2] } } }),
        true,
      );
    });

    it('is true for the same input with its keys in another order, at any depth', () => {
      assert.equal(
        isSameRequest(stored, { type: 'sleep', input: { options: { a: [1, 2], b: true }, worktime: 40 } }),
        true,
      );
    });

    it('is false for another type with the same input', () => {
      assert.equal(isSameRequest(stored, { type: 'primes', input: stored.input }), false);
    });

    it('is false for the same type with another input', () => {
      assert.equal(
        isSameRequest(stored, { type: 'sleep', input: { worktime: 41, options: { b: true, a: [1, 2] } } }),
        false,
      );
      assert.equal(isSameRequest(stored, { type: 'sleep', input: { worktime: 40 } }), false);
      assert.equal(
        isSameRequest(stored, { type: 'sleep', input: { worktime: 40, options: { b: true, a: [2, 1] } } }),
        false,
      );
    });
  });
});
