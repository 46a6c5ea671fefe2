/**
 * toHttpsError is the callables' one catch: a refusal of the core becomes the HttpsError of its code, a store the core
 * gave up on (after its budget, under contention or an outage) becomes `unavailable`, which a client may try again
 * with the same requestId; anything else is passed on, and firebase-functions answers it `internal` without details.
 */
import assert from 'node:assert/strict';
import { HttpsError } from 'firebase-functions/v2/https';
import { JobNotFoundError, ValidationError } from '../../library/src/core/errors';
import { StoreError } from '../../library/src/core/ports/document-store';
import { toHttpsError } from '../../library/src/entry/callable';

describe('toHttpsError', () => {
  it('a refusal of the core is the HttpsError of its code, with the field it names', () => {
    const answer = toHttpsError(new ValidationError('input.worktime', 'too long'));
    assert.ok(answer instanceof HttpsError);
    assert.equal(answer.code, 'invalid-argument');
    assert.deepEqual(answer.details, { field: 'input.worktime' });
    assert.equal((toHttpsError(new JobNotFoundError('j1')) as HttpsError).code, 'not-found');
  });

  for (const thrown of [
    new StoreError('deadline-exceeded', 'the store did not answer within 15000 ms'),
    new StoreError('aborted', 'too much contention on these documents'),
    new StoreError('failed-precondition', 'the version changed'),
  ]) {
    it(`a store given up on (${thrown.code}) is unavailable, saying to try again, without the store's words`, () => {
      const answer = toHttpsError(thrown);
      assert.ok(answer instanceof HttpsError);
      assert.equal(answer.code, 'unavailable');
      assert.match(answer.message, /try again .*same requestId/);
      assert.ok(!answer.message.includes(thrown.message));
    });
  }

  it('anything else is passed on as it is (firebase-functions answers internal)', () => {
    const bug = new TypeError('x is undefined');
    assert.equal(toHttpsError(bug), bug);
    const denied = new StoreError('permission-denied', 'missing permission');
    assert.equal(toHttpsError(denied), denied);
  });
});
