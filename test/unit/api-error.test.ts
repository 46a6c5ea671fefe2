/**
 * toApiError is the HTTP API's one catch: it turns what a route threw into the status, headers and AIP-193 JSON
 * body (google.rpc.Status with the HTTP code). A DomainError of the core answers with its code's status, and one
 * that names a field comes with a google.rpc.BadRequest field violation so a client can point at the field;
 * anything nobody meant to throw must be undefined, so the caller answers a bare 500 and leaks nothing.
 */
import assert from 'node:assert/strict';
import { HttpsError } from 'firebase-functions/v2/https';
import type { JobErrorCode } from '@async-jobs/contract';
import { ApiError, toApiError } from '../../library/src/entry/http/api-error';
import {
  DomainError,
  JobNotFoundError,
  JobStateConflictError,
  QuotaExceededError,
  RequestIdReusedError,
  ValidationError,
} from '../../library/src/core/errors';
import { StoreError } from '../../library/src/core/ports/document-store';

const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';

describe('toApiError', () => {
  describe('an ApiError', () => {
    it('answers with its own status, code name, message and headers', () => {
      const thrown = new ApiError(405, 'UNIMPLEMENTED', 'PUT is not allowed here; use GET or DELETE', {
        Allow: 'GET, DELETE',
      });
      assert.deepEqual(toApiError(thrown), {
        httpStatus: 405,
        headers: { Allow: 'GET, DELETE' },
        body: { error: { code: 405, message: 'PUT is not allowed here; use GET or DELETE', status: 'UNIMPLEMENTED' } },
      });
    });

    it('has no headers and no details unless given', () => {
      const answer = toApiError(new ApiError(413, 'INVALID_ARGUMENT', 'too big'));
      assert.deepEqual(answer, {
        httpStatus: 413,
        headers: {},
        body: { error: { code: 413, message: 'too big', status: 'INVALID_ARGUMENT' } },
      });
      assert.equal(Object.hasOwn(answer?.body.error ?? {}, 'details'), false);
    });

    it('is an Error named ApiError', () => {
      const error = new ApiError(415, 'INVALID_ARGUMENT', 'send JSON');
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'ApiError');
      assert.equal(error.message, 'send JSON');
    });
  });

  describe('a ValidationError', () => {
    for (const field of ['pageSize', 'pageToken', 'timeout', 'input.worktime', '']) {
      it(`is 400 INVALID_ARGUMENT with a field violation for ${JSON.stringify(field)}`, () => {
        const message = `${field} is wrong`;
        assert.deepEqual(toApiError(new ValidationError(field, message)), {
          httpStatus: 400,
          headers: {},
          body: {
            error: {
              code: 400,
              message,
              status: 'INVALID_ARGUMENT',
              details: [{ '@type': BAD_REQUEST, fieldViolations: [{ field, description: message }] }],
            },
          },
        });
      });
    }
  });

  describe('a DomainError', () => {
    /** A DomainError of any code, as a future use case might throw. */
    class AnyDomainError extends DomainError {
      constructor(
        readonly code: JobErrorCode,
        message: string,
        field?: string,
      ) {
        super(message, field);
      }
    }

    const CASES: ReadonlyArray<readonly [JobErrorCode, number, string]> = [
      ['invalid-argument', 400, 'INVALID_ARGUMENT'],
      ['not-found', 404, 'NOT_FOUND'],
      ['permission-denied', 403, 'PERMISSION_DENIED'],
      ['already-exists', 409, 'ALREADY_EXISTS'],
      ['failed-precondition', 409, 'FAILED_PRECONDITION'],
      ['resource-exhausted', 429, 'RESOURCE_EXHAUSTED'],
      ['aborted', 409, 'ABORTED'],
      ['deadline-exceeded', 504, 'DEADLINE_EXCEEDED'],
      ['cancelled', 499, 'CANCELLED'],
      ['unimplemented', 501, 'UNIMPLEMENTED'],
      ['internal', 500, 'INTERNAL'],
      ['unavailable', 503, 'UNAVAILABLE'],
      ['unknown', 500, 'UNKNOWN'],
      ['data-loss', 500, 'DATA_LOSS'],
      ['out-of-range', 400, 'OUT_OF_RANGE'],
      ['unauthenticated', 401, 'UNAUTHENTICATED'],
    ];
    for (const [code, http, status] of CASES) {
      const headers: Record<string, string> = http === 503 ? { 'Retry-After': '1' } : {};
      it(`${code} is ${http} ${status}, with ${http === 503 ? 'Retry-After' : 'no headers'} and no details`, () => {
        assert.deepEqual(toApiError(new AnyDomainError(code, `it was ${code}`)), {
          httpStatus: http,
          headers,
          body: { error: { code: http, message: `it was ${code}`, status } },
        });
      });
    }

    it('each error the core throws answers with its own status and message', () => {
      const answers = [
        [new JobNotFoundError('j1'), 404, 'no job j1'],
        [new JobStateConflictError('job j1 is RUNNING'), 409, 'job j1 is RUNNING'],
        [new QuotaExceededError(10, 10), 429, /limit is 10/],
        [new RequestIdReusedError('r1'), 409, /requestId r1 was already used/],
      ] as const;
      for (const [thrown, http, message] of answers) {
        const answer = toApiError(thrown);
        assert.equal(answer?.httpStatus, http, thrown.name);
        assert.match(answer?.body.error.message ?? '', typeof message === 'string' ? new RegExp(message) : message);
      }
    });

    it('with a field has a field violation, on any code (a reused requestId names requestId)', () => {
      const answer = toApiError(new RequestIdReusedError('r1'));
      assert.equal(answer?.httpStatus, 409);
      assert.equal(answer?.body.error.details?.[0]?.fieldViolations[0]?.field, 'requestId');
    });

    it('without a field has no details', () => {
      assert.equal(Object.hasOwn(toApiError(new JobNotFoundError('x'))?.body.error ?? {}, 'details'), false);
    });
  });

  describe('an ApiError for a missing or bad token', () => {
    it('is 401 UNAUTHENTICATED with WWW-Authenticate: Bearer', () => {
      const message = 'send a Firebase ID token: Authorization: Bearer <token>';
      const thrown = new ApiError(401, 'UNAUTHENTICATED', message, { 'WWW-Authenticate': 'Bearer' });
      assert.deepEqual(toApiError(thrown), {
        httpStatus: 401,
        headers: { 'WWW-Authenticate': 'Bearer' },
        body: { error: { code: 401, message, status: 'UNAUTHENTICATED' } },
      });
    });
  });

  describe('a store the core gave up on', () => {
    const GAVE_UP: ReadonlyArray<readonly [string, StoreError]> = [
      ['a call that failed for now every try', new StoreError('deadline-exceeded', 'the store did not answer')],
      ['a commit contended every round', new StoreError('aborted', 'too much contention')],
      ['a race lost every round', new StoreError('failed-precondition', 'the version changed')],
    ];
    for (const [name, thrown] of GAVE_UP) {
      it(`${name} is 503 UNAVAILABLE with Retry-After, saying to try again with the same requestId`, () => {
        const answer = toApiError(thrown);
        assert.equal(answer?.httpStatus, 503);
        assert.equal(answer?.body.error.status, 'UNAVAILABLE');
        assert.deepEqual(answer?.headers, { 'Retry-After': '1' });
        assert.match(answer?.body.error.message ?? '', /try again .*same requestId/);
        assert.doesNotMatch(answer?.body.error.message ?? '', /contention|version|did not answer/, 'no store details');
      });
    }

    it('a permanent store failure (permission-denied) is undefined (the caller answers 500)', () => {
      assert.equal(toApiError(new StoreError('permission-denied', 'missing permission')), undefined);
    });
  });

  describe('anything else', () => {
    const OTHERS: ReadonlyArray<readonly [string, unknown]> = [
      ['a plain Error', new Error('disk full')],
      ['a TypeError', new TypeError('x is undefined')],
      ['an Error with a code, like a Node system error', Object.assign(new Error('x'), { code: 'not-found' })],
      ['a string', 'boom'],
      ['undefined', undefined],
      ['null', null],
      ['an error-shaped object', { code: 'not-found', message: 'no job' }],
      ['an HttpsError (the callables’ error, never thrown into the HTTP API)', new HttpsError('not-found', 'no job')],
    ];
    for (const [name, thrown] of OTHERS) {
      it(`${name} is undefined (the caller answers 500 without details)`, () => {
        assert.equal(toApiError(thrown), undefined);
      });
    }
  });
});
