/**
 * parseTaskMessage decides whether a Pub/Sub delivery is a job to run or poison to acknowledge and drop.
 * A wrong "ok" makes the worker read a document that cannot exist; a wrong "not ok" loses a real job.
 * A message carries the job's type and, optionally, the job as the write that sent it left it (`sent`), which the
 * worker's claim is fenced on; a snapshot that is missing or damaged is no reason to drop the job (the worker reads
 * the document instead).
 */
import assert from 'node:assert/strict';
import type { SentJob } from '@async-jobs/contract';
import { deliveredMessage } from '../helpers/messages';
import {
  JOB_ID_ATTRIBUTE,
  parseTaskMessage,
  taskMessage,
  type ParsedTaskMessage,
  type ReceivedMessage,
} from '../../library/src/adapters/pubsub/task-message';

/** Pub/Sub delivers `data` as base64; this is what a push or the emulator hands the worker. */
function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** Asserts a refusal and returns its reason, so each case can check the reason says what is wrong. */
function reasonOf(result: ParsedTaskMessage): string {
  assert.equal(result.ok, false, `expected a refusal, got ${JSON.stringify(result)}`);
  assert.ok(!result.ok);
  return result.reason;
}

/** The job as sent, as a dispatch's write leaves it. */
const SENT: SentJob = {
  version: '1717171717.123456000',
  owner: 'user-1',
  pool: 'standard',
  input: { worktime: 5 },
  attempts: 1,
  slot: 3,
  createTime: 1_717_171_700_000,
  dispatchTime: 1_717_171_717_123,
};

/** The message taskMessage() builds, as Pub/Sub delivers it. */
function delivered(jobId: string, type: string, sent?: SentJob): ReceivedMessage {
  const { json, attributes } = taskMessage(jobId, type, sent);
  return { messageId: 'm-1', data: base64Json(json), attributes };
}

describe('task-message', () => {
  describe('taskMessage', () => {
    it('puts the job id in both the JSON data and the jobId attribute', () => {
      const message = taskMessage('job-1', 'sleep');
      assert.deepEqual(message.json, { jobId: 'job-1', type: 'sleep' });
      assert.deepEqual(message.attributes, { [JOB_ID_ATTRIBUTE]: 'job-1' });
      assert.equal(JOB_ID_ATTRIBUTE, 'jobId');
    });

    it('carries the job as sent in the data when given, and no `sent` key otherwise', () => {
      assert.deepEqual(taskMessage('job-1', 'sleep', SENT).json, { jobId: 'job-1', type: 'sleep', sent: SENT });
      assert.equal(Object.hasOwn(taskMessage('job-1', 'sleep').json, 'sent'), false);
    });
  });

  describe('parseTaskMessage', () => {
    it('accepts the message taskMessage() builds, with its type and no snapshot', () => {
      assert.deepEqual(parseTaskMessage(deliveredMessage('AbC123xyz', 'sleep', '1')), {
        ok: true,
        jobId: 'AbC123xyz',
        type: 'sleep',
        sent: undefined,
      });
    });

    it('accepts a Firestore auto-id, and answers the type the data names', () => {
      assert.deepEqual(parseTaskMessage(deliveredMessage('4aZ9cQ2mXx7LkP0oRt1S', 'test.fail')), {
        ok: true,
        jobId: '4aZ9cQ2mXx7LkP0oRt1S',
        type: 'test.fail',
        sent: undefined,
      });
    });

    it('answers the job as sent, field for field, when the message carries it whole', () => {
      assert.deepEqual(parseTaskMessage(delivered('job-1', 'sleep', SENT)), {
        ok: true,
        jobId: 'job-1',
        type: 'sleep',
        sent: SENT,
      });
      const unslotted = { ...SENT, slot: null };
      const parsed = parseTaskMessage(delivered('job-1', 'sleep', unslotted));
      assert.deepEqual(parsed.ok && parsed.sent, unslotted);
    });

    it('drops extra fields of the snapshot', () => {
      const message: ReceivedMessage = {
        data: base64Json({ jobId: 'job-1', type: 'sleep', sent: { ...SENT, secret: 'x' } }),
        attributes: { [JOB_ID_ATTRIBUTE]: 'job-1' },
      };
      const parsed = parseTaskMessage(message);
      assert.deepEqual(parsed.ok && parsed.sent, SENT);
    });

    // A snapshot the worker cannot trust: the job still runs, on a read of its document.
    const DAMAGED: ReadonlyArray<readonly [string, unknown]> = [
      ['null', null],
      ['an array', [SENT]],
      ['a string', JSON.stringify(SENT)],
      ['no version', { ...SENT, version: undefined }],
      ['a numeric version', { ...SENT, version: 7 }],
      ['no owner', { ...SENT, owner: undefined }],
      ['no pool', { ...SENT, pool: undefined }],
      ['an input that is not an object', { ...SENT, input: [1] }],
      ['a string attempts', { ...SENT, attempts: '1' }],
      ['a string slot', { ...SENT, slot: '3' }],
      ['no slot at all', { ...SENT, slot: undefined }],
      ['a createTime as a string', { ...SENT, createTime: '2024-06-01' }],
      ['no dispatchTime', { ...SENT, dispatchTime: undefined }],
    ];
    for (const [name, sent] of DAMAGED) {
      it(`runs the job without a snapshot when the snapshot is damaged (${name})`, () => {
        const message: ReceivedMessage = {
          data: base64Json({ jobId: 'job-1', type: 'sleep', sent }),
          attributes: { [JOB_ID_ATTRIBUTE]: 'job-1' },
        };
        assert.deepEqual(parseTaskMessage(message), { ok: true, jobId: 'job-1', type: 'sleep', sent: undefined });
      });
    }

    it('answers an empty type for data without a string type (the worker then serves no task for it)', () => {
      for (const type of [undefined, 7, null]) {
        const message: ReceivedMessage = {
          data: base64Json({ jobId: 'job-1', type }),
          attributes: { [JOB_ID_ATTRIBUTE]: 'job-1' },
        };
        assert.deepEqual(parseTaskMessage(message), { ok: true, jobId: 'job-1', type: '', sent: undefined });
      }
    });

    it('accepts extra attributes and extra data fields', () => {
      const message: ReceivedMessage = {
        data: base64Json({ jobId: 'job-1', type: 'sleep', traceId: 't' }),
        attributes: { [JOB_ID_ATTRIBUTE]: 'job-1', googclient_schemaencoding: 'JSON' },
      };
      assert.deepEqual(parseTaskMessage(message), { ok: true, jobId: 'job-1', type: 'sleep', sent: undefined });
    });

    it('refuses a message with no attributes at all', () => {
      const { data } = deliveredMessage('job-1', 'sleep', '1');
      assert.match(reasonOf(parseTaskMessage({ data })), /no "jobId" attribute/);
    });

    it('refuses a message with empty attributes', () => {
      const { data } = deliveredMessage('job-1', 'sleep', '1');
      assert.match(reasonOf(parseTaskMessage({ data, attributes: {} })), /no "jobId" attribute/);
    });

    it('refuses an empty jobId attribute', () => {
      const { data } = deliveredMessage('job-1', 'sleep', '1');
      assert.match(reasonOf(parseTaskMessage({ data, attributes: { jobId: '' } })), /no "jobId" attribute/);
    });

    it('refuses a job id in another attribute name', () => {
      const { data } = deliveredMessage('job-1', 'sleep', '1');
      assert.match(reasonOf(parseTaskMessage({ data, attributes: { job_id: 'job-1' } })), /no "jobId" attribute/);
    });

    // Each of these would address another document, another collection, or nothing at all.
    const notDocumentIds: ReadonlyArray<readonly [string, string]> = [
      ['a "/" (a path into a subcollection)', 'job-1/tasks/x'],
      ['a leading "/"', '/job-1'],
      ['"."', '.'],
      ['".."', '..'],
      ['more than 1500 characters', 'a'.repeat(1501)],
      ['more than 1500 bytes in fewer characters', 'é'.repeat(751)],
      ['the reserved __name__ form', '__id__'],
    ];
    for (const [name, jobId] of notDocumentIds) {
      it(`refuses a jobId attribute with ${name}`, () => {
        assert.match(reasonOf(parseTaskMessage(deliveredMessage(jobId, 'sleep', '1'))), /not a document id/);
      });
    }

    it('accepts a 1500-character ASCII id (the longest Firestore allows)', () => {
      const jobId = 'a'.repeat(1500);
      assert.deepEqual(parseTaskMessage(deliveredMessage(jobId, 'sleep', '1')), {
        ok: true,
        jobId,
        type: 'sleep',
        sent: undefined,
      });
    });

    it('refuses data that is not base64 of JSON', () => {
      const message: ReceivedMessage = { data: '%%% not base64 %%%', attributes: { jobId: 'job-1' } };
      assert.match(reasonOf(parseTaskMessage(message)), /not JSON/);
    });

    it('refuses data that is base64 of plain text', () => {
      const message: ReceivedMessage = {
        data: Buffer.from('job-1', 'utf8').toString('base64'),
        attributes: { jobId: 'job-1' },
      };
      assert.match(reasonOf(parseTaskMessage(message)), /not JSON/);
    });

    it('refuses a message with no data', () => {
      assert.match(reasonOf(parseTaskMessage({ attributes: { jobId: 'job-1' } })), /not JSON/);
    });

    it('refuses data that names another job than the attribute', () => {
      const message: ReceivedMessage = {
        data: base64Json({ jobId: 'job-2', type: 'sleep' }),
        attributes: { jobId: 'job-1' },
      };
      assert.match(reasonOf(parseTaskMessage(message)), /same job/);
    });

    // JSON, but not an object whose jobId is the attribute's string (a number 1 is not the id "1").
    const wrongShapes: ReadonlyArray<readonly [string, unknown, string]> = [
      ['null', null, 'job-1'],
      ['a bare string id', 'job-1', 'job-1'],
      ['an array', ['job-1'], 'job-1'],
      ['an object without jobId', { type: 'sleep' }, 'job-1'],
      ['a numeric jobId', { jobId: 1 }, '1'],
    ];
    for (const [name, json, jobId] of wrongShapes) {
      it(`refuses JSON data that is ${name}`, () => {
        const message: ReceivedMessage = { data: base64Json(json), attributes: { [JOB_ID_ATTRIBUTE]: jobId } };
        assert.match(reasonOf(parseTaskMessage(message)), /same job/);
      });
    }
  });
});
