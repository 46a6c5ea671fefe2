/**
 * toOperation is the HTTP API's view of a job as an AIP-151 Operation. Clients poll until `done` and
 * then read exactly one of `response` and `error`, so a done job must never have both or neither, and a job
 * not done must have neither. The error is a google.rpc.Status: the numeric code, its name and the message.
 */
import assert from 'node:assert/strict';
import type { JobErrorCode, JobState } from '@async-jobs/contract';
import type { Job } from '../../library/src/core/job';
import { toOperation } from '../../library/src/entry/http/operation';

const CREATE = Date.UTC(2025, 0, 2, 3, 4, 5, 6);
const START = Date.UTC(2025, 0, 2, 3, 4, 6);
const UPDATE = Date.UTC(2025, 0, 2, 3, 4, 7);
const DONE = Date.UTC(2025, 0, 2, 3, 4, 8);

const ID = 'b3Kq9ZfW0pLmN2xRtY7u';

function jobDocument(state: JobState, overrides: Partial<Job> = {}): Job {
  const done = state === 'COMPLETED' || state === 'FAILED' || state === 'CANCELLED';
  return {
    owner: 'user-1',
    type: 'sleep',
    input: { worktime: 1 },
    state,
    done,
    attempts: state === 'CREATED' ? 0 : 1,
    createTime: CREATE,
    updateTime: UPDATE,
    startTime: state === 'CREATED' ? null : START,
    doneTime: done ? DONE : null,
    ...overrides,
  };
}

describe('toOperation', () => {
  describe('a job not done', () => {
    for (const state of ['CREATED', 'RUNNING'] as const) {
      it(`${state}: done false, with neither response nor error`, () => {
        const operation = toOperation(ID, jobDocument(state));
        assert.equal(operation.done, false);
        assert.equal(operation.state, state);
        assert.equal(Object.hasOwn(operation, 'response'), false);
        assert.equal(Object.hasOwn(operation, 'error'), false);
      });
    }

    it('CREATED for a retry (the last attempt’s error kept on the document): still no error', () => {
      const job = jobDocument('CREATED', { attempts: 1, error: { code: 'unavailable', message: 'try again' } });
      const operation = toOperation(ID, job);
      assert.equal(operation.done, false);
      assert.equal(Object.hasOwn(operation, 'error'), false);
      assert.equal(Object.hasOwn(operation, 'response'), false);
    });
  });

  describe('COMPLETED', () => {
    it('has the result as response and no error', () => {
      const result = { slept: 1, note: 'ok' };
      const operation = toOperation(ID, jobDocument('COMPLETED', { result }));
      assert.equal(operation.done, true);
      assert.deepEqual(operation.response, result);
      assert.equal(Object.hasOwn(operation, 'error'), false);
    });

    it('has response null when the result is missing, so a done job still has one of the two', () => {
      const operation = toOperation(ID, jobDocument('COMPLETED'));
      assert.equal(Object.hasOwn(operation, 'response'), true);
      assert.equal(operation.response, null);
      assert.equal(Object.hasOwn(operation, 'error'), false);
    });

    it('keeps falsy results as they are (0, false, "")', () => {
      for (const result of [0, false, '']) {
        assert.equal(toOperation(ID, jobDocument('COMPLETED', { result })).response, result);
      }
    });

    it('has no error even if the document still carries one', () => {
      const job = jobDocument('COMPLETED', { result: 1, error: { code: 'internal', message: 'stale' } });
      const operation = toOperation(ID, job);
      assert.equal(operation.response, 1);
      assert.equal(Object.hasOwn(operation, 'error'), false);
    });
  });

  describe('FAILED and CANCELLED', () => {
    const CASES: ReadonlyArray<readonly [JobState, JobErrorCode, number, string]> = [
      ['FAILED', 'invalid-argument', 3, 'INVALID_ARGUMENT'],
      ['FAILED', 'internal', 13, 'INTERNAL'],
      ['FAILED', 'deadline-exceeded', 4, 'DEADLINE_EXCEEDED'],
      ['FAILED', 'not-found', 5, 'NOT_FOUND'],
      ['FAILED', 'resource-exhausted', 8, 'RESOURCE_EXHAUSTED'],
      ['CANCELLED', 'cancelled', 1, 'CANCELLED'],
    ];
    for (const [state, code, rpc, status] of CASES) {
      it(`${state} with ${code}: error {code: ${rpc}, status: ${status}, message}, no response`, () => {
        const job = jobDocument(state, { error: { code, message: `it ended with ${code}` } });
        const operation = toOperation(ID, job);
        assert.equal(operation.done, true);
        assert.deepEqual(operation.error, { code: rpc, status, message: `it ended with ${code}` });
        assert.equal(Object.hasOwn(operation, 'response'), false);
      });
    }

    it('has no response even if the document carries a result', () => {
      const job = jobDocument('FAILED', { result: 1, error: { code: 'internal', message: 'boom' } });
      const operation = toOperation(ID, job);
      assert.equal(Object.hasOwn(operation, 'response'), false);
      assert.equal(operation.error?.status, 'INTERNAL');
    });

    for (const state of ['FAILED', 'CANCELLED'] as const) {
      it(`${state} without an error on the document: UNKNOWN, with a message naming the state`, () => {
        const operation = toOperation(ID, jobDocument(state));
        assert.equal(operation.error?.code, 2);
        assert.equal(operation.error?.status, 'UNKNOWN');
        assert.match(operation.error?.message ?? '', new RegExp(state));
        assert.equal(Object.hasOwn(operation, 'response'), false);
      });
    }
  });

  describe('identity and metadata', () => {
    it("names the job jobs/{id} and repeats the id and state at the top level for the seed's jq", () => {
      const operation = toOperation(ID, jobDocument('RUNNING'));
      assert.equal(operation.name, `jobs/${ID}`);
      assert.equal(operation.id, ID);
      assert.equal(operation.state, 'RUNNING');
      assert.equal(operation.metadata.state, 'RUNNING');
    });

    it('takes the id from the argument, with - and _ kept as they are', () => {
      const operation = toOperation('a-b_c', jobDocument('CREATED'));
      assert.equal(operation.name, 'jobs/a-b_c');
      assert.equal(operation.id, 'a-b_c');
    });

    it('has the type and attempts, and times through the given toIso', () => {
      const operation = toOperation(ID, jobDocument('COMPLETED', { result: 1, attempts: 2 }));
      assert.deepEqual(operation.metadata, {
        state: 'COMPLETED',
        type: 'sleep',
        attempts: 2,
        createTime: '2025-01-02T03:04:05.006Z',
        startTime: '2025-01-02T03:04:06.000Z',
        updateTime: '2025-01-02T03:04:07.000Z',
        doneTime: '2025-01-02T03:04:08.000Z',
      });
    });

    it('writes each time to the millisecond, in UTC', () => {
      const operation = toOperation(
        ID,
        jobDocument('COMPLETED', { createTime: Date.UTC(1999, 11, 31, 23, 59, 59, 999) }),
      );
      assert.equal(operation.metadata.createTime, '1999-12-31T23:59:59.999Z');
    });

    it('has null for times the job does not have yet', () => {
      const operation = toOperation(ID, jobDocument('CREATED'));
      assert.equal(operation.metadata.startTime, null);
      assert.equal(operation.metadata.doneTime, null);
      assert.equal(operation.metadata.createTime, '2025-01-02T03:04:05.006Z');
      assert.equal(operation.metadata.updateTime, '2025-01-02T03:04:07.000Z');
    });

    it('has progress and cancelRequested only when the document has them', () => {
      const plain = toOperation(ID, jobDocument('RUNNING'));
      assert.equal(Object.hasOwn(plain.metadata, 'progress'), false);
      assert.equal(Object.hasOwn(plain.metadata, 'cancelRequested'), false);

      const notRequested = toOperation(ID, jobDocument('RUNNING', { cancelRequested: false }));
      assert.equal(Object.hasOwn(notRequested.metadata, 'cancelRequested'), false);

      const progress = { percent: 40, message: 'sleeping' };
      const busy = toOperation(ID, jobDocument('RUNNING', { progress, cancelRequested: true }));
      assert.deepEqual(busy.metadata.progress, progress);
      assert.equal(busy.metadata.cancelRequested, true);
    });

    it('keeps a progress of 0 percent', () => {
      const operation = toOperation(ID, jobDocument('RUNNING', { progress: { percent: 0 } }));
      assert.deepEqual(operation.metadata.progress, { percent: 0 });
    });

    it('leaves out what the Operation does not show: owner, input, requestId and the internal times', () => {
      const job = jobDocument('CREATED', {
        requestId: '0b6f9f0e-3a3c-4f7e-9d55-1f1e2a3b4c5d',
        dispatchTime: CREATE,
        leaseExpireTime: null,
        expireTime: DONE,
      });
      const operation = toOperation(ID, job);
      assert.deepEqual(Object.keys(operation).sort(), ['done', 'id', 'metadata', 'name', 'state']);
      assert.deepEqual(Object.keys(operation.metadata).sort(), [
        'attempts',
        'createTime',
        'doneTime',
        'startTime',
        'state',
        'type',
        'updateTime',
      ]);
    });

    it('takes done from the document', () => {
      for (const state of ['CREATED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const) {
        const job = jobDocument(state);
        assert.equal(toOperation(ID, job).done, job.done, state);
      }
    });
  });
});
