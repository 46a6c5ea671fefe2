/**
 * toApiError is the HTTP API's one catch: it turns what a route threw into the status, headers and AIP-193 JSON
 * body (google.rpc.Status with the HTTP code). A ValidationError, or an HttpsError carrying `details.field`,
 * must come with a google.rpc.BadRequest field violation so a client can point at the field; anything nobody
 * meant to throw must be undefined, so the caller answers a bare 500 and leaks nothing.
 */
import assert from 'node:assert/strict';
import { HttpsError } from 'firebase-functions/v2/https';
import { ApiError, toApiError } from '../../functions/src/http/api-error';
import { ValidationError } from '../../functions/src/job/validation-error';

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

  describe('an HttpsError', () => {
    const CASES: ReadonlyArray<readonly [ConstructorParameters<typeof HttpsError>[0], number, string]> = [
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
    ];
    for (const [code, http, status] of CASES) {
      it(`${code} is ${http} ${status}, with no headers and no details`, () => {
        assert.deepEqual(toApiError(new HttpsError(code, `it was ${code}`)), {
          httpStatus: http,
          headers: {},
          body: { error: { code: http, message: `it was ${code}`, status } },
        });
      });
    }

    it('unauthenticated is 401 UNAUTHENTICATED with WWW-Authenticate: Bearer', () => {
      const message = 'send a Firebase ID token: Authorization: Bearer <token>';
      assert.deepEqual(toApiError(new HttpsError('unauthenticated', message)), {
        httpStatus: 401,
        headers: { 'WWW-Authenticate': 'Bearer' },
        body: { error: { code: 401, message, status: 'UNAUTHENTICATED' } },
      });
    });

    it('only unauthenticated gets a WWW-Authenticate header', () => {
      for (const [code] of CASES) {
        assert.deepEqual(toApiError(new HttpsError(code, 'x'))?.headers, {}, code);
      }
    });

    it('with details.field (as createJobFor rethrows a ValidationError) has a field violation', () => {
      const message = 'input.worktime must be at most 3600';
      const thrown = new HttpsError('invalid-argument', message, { field: 'input.worktime' });
      assert.deepEqual(toApiError(thrown), {
        httpStatus: 400,
        headers: {},
        body: {
          error: {
            code: 400,
            message,
            status: 'INVALID_ARGUMENT',
            details: [{ '@type': BAD_REQUEST, fieldViolations: [{ field: 'input.worktime', description: message }] }],
          },
        },
      });
    });

    it('keeps a field violation on a code other than invalid-argument', () => {
      const answer = toApiError(new HttpsError('failed-precondition', 'job x is RUNNING', { field: 'id' }));
      assert.equal(answer?.httpStatus, 409);
      assert.deepEqual(answer?.body.error.details, [
        { '@type': BAD_REQUEST, fieldViolations: [{ field: 'id', description: 'job x is RUNNING' }] },
      ]);
    });

    it('has no details when details has no string field', () => {
      for (const details of [undefined, null, 'id', { field: 7 }, { other: 'id' }, ['id']]) {
        const answer = toApiError(new HttpsError('invalid-argument', 'bad', details));
        assert.equal(answer?.httpStatus, 400);
        assert.equal(Object.hasOwn(answer?.body.error ?? {}, 'details'), false, JSON.stringify(details));
      }
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
    ];
    for (const [name, thrown] of OTHERS) {
      it(`${name} is undefined (the caller answers 500 without details)`, () => {
        assert.equal(toApiError(thrown), undefined);
      });
    }
  });
});
