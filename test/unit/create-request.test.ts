/**
 * parseCreateJobRequest is the createJob callable's whole validation, and parseCreateJobsRequest the batch create's
 * (the createJobs callable and `POST /:batchCreate`): whatever they let through is written to Firestore and run by
 * the worker, and whatever they refuse reaches the client as `invalid-argument` with the ValidationError's message.
 * So every refusal must be a ValidationError whose `field` and message name the problem (in a batch, the job too:
 * `jobs.3.input.worktime`).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_MAX_INPUT_BYTES,
  MAX_BATCH_JOBS,
  parseCreateJobRequest,
  parseCreateJobsRequest,
  type CreateJobLimits,
} from '../../library/src/core/create-request';
import { MAX_JSON_DEPTH } from '../../library/src/core/json-shape';
import { ValidationError } from '../../library/src/core/errors';
import { productionTaskRegistry, testTaskRegistry } from '../fixtures/tasks/registries';
import { MAX_WORKTIME_SECONDS } from '../../functions/src/tasks/sleep';

const tasks = productionTaskRegistry();
const limits: CreateJobLimits = { maxInputBytes: DEFAULT_MAX_INPUT_BYTES };
const REQUEST_ID = '0b6f9f0e-3a3c-4f7e-9d55-1f1e2a3b4c5d';

/** Runs the parser and returns the ValidationError it must throw; fails the test on anything else. */
function validationErrorOf(data: unknown, options: CreateJobLimits = limits): ValidationError {
  try {
    parseCreateJobRequest(data, tasks, options);
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(data)} to be refused`);
}

/** `levels` arrays, each holding the next. */
function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

interface BadCase {
  name: string;
  data: unknown;
  /** The ValidationError's `field`. */
  field: string;
  /** What the message must say, besides the field's name. */
  message?: RegExp;
  limits?: CreateJobLimits;
}

const BAD_REQUESTS: readonly BadCase[] = [
  // The request itself: field '' because no single field is wrong; the message names the request.
  { name: 'null', data: null, field: '', message: /request must be an object.*not null/ },
  { name: 'undefined (no data at all)', data: undefined, field: '', message: /request must be an object/ },
  { name: 'an array', data: [{ type: 'sleep', input: { worktime: 1 } }], field: '', message: /not an array/ },
  { name: 'a string', data: '{"type":"sleep"}', field: '', message: /not a string/ },
  { name: 'a number', data: 42, field: '', message: /not a number/ },

  { name: 'no type', data: { input: { worktime: 1 } }, field: 'type', message: /required/ },
  { name: 'a number as type', data: { type: 1, input: { worktime: 1 } }, field: 'type', message: /string/ },
  { name: 'null as type', data: { type: null, input: { worktime: 1 } }, field: 'type', message: /not null/ },
  { name: 'an unknown type', data: { type: 'nap', input: { worktime: 1 } }, field: 'type', message: /"nap"/ },
  { name: 'a type differing only in case', data: { type: 'Sleep', input: { worktime: 1 } }, field: 'type' },
  {
    name: 'a test-only type in a registry without test tasks',
    data: { type: 'test.fail', input: { message: 'x' } },
    field: 'type',
  },

  { name: 'no input', data: { type: 'sleep' }, field: 'input', message: /required/ },
  { name: 'an array as input', data: { type: 'sleep', input: [1] }, field: 'input', message: /not an array/ },
  { name: 'a string as input', data: { type: 'sleep', input: '{"worktime":1}' }, field: 'input', message: /string/ },
  { name: 'null as input', data: { type: 'sleep', input: null }, field: 'input', message: /not null/ },
  { name: 'a number as input', data: { type: 'sleep', input: 40 }, field: 'input', message: /not a number/ },

  // The sleep schema (zod); the field path is input.<key>.
  { name: 'no worktime', data: { type: 'sleep', input: {} }, field: 'input.worktime' },
  { name: 'a string worktime', data: { type: 'sleep', input: { worktime: '40' } }, field: 'input.worktime' },
  { name: 'a boolean worktime', data: { type: 'sleep', input: { worktime: true } }, field: 'input.worktime' },
  { name: 'a null worktime', data: { type: 'sleep', input: { worktime: null } }, field: 'input.worktime' },
  { name: 'a negative worktime', data: { type: 'sleep', input: { worktime: -1 } }, field: 'input.worktime' },
  {
    name: 'a worktime just under 0',
    data: { type: 'sleep', input: { worktime: -0.001 } },
    field: 'input.worktime',
  },
  {
    name: 'a worktime over MAX_WORKTIME_SECONDS',
    data: { type: 'sleep', input: { worktime: MAX_WORKTIME_SECONDS + 1 } },
    field: 'input.worktime',
  },
  {
    name: 'a worktime just over MAX_WORKTIME_SECONDS',
    data: { type: 'sleep', input: { worktime: MAX_WORKTIME_SECONDS + 0.001 } },
    field: 'input.worktime',
  },
  // The schema is strict: an unknown key is a typo the caller should hear about, not something to drop.
  {
    name: 'an unknown input field',
    data: { type: 'sleep', input: { worktime: 1, worktme: 2 } },
    field: 'input',
    message: /worktme/,
  },

  {
    name: 'an input over maxInputBytes',
    data: { type: 'sleep', input: { worktime: 1, padding: 'x'.repeat(DEFAULT_MAX_INPUT_BYTES) } },
    field: 'input',
    message: new RegExp(`limit is ${DEFAULT_MAX_INPUT_BYTES}`),
  },
  {
    // The limit counts UTF-8 bytes, not characters: 40 three-byte characters are 120 bytes.
    name: 'an input over a small limit in multi-byte characters',
    data: { type: 'sleep', input: { worktime: 1, note: '€'.repeat(40) } },
    field: 'input',
    limits: { maxInputBytes: 100 },
    message: /limit is 100/,
  },

  // The request's shape, checked before anything reads it (json-shape.ts).
  {
    name: 'a "__proto__" key in the input, as JSON.parse keeps it',
    data: JSON.parse('{"type":"sleep","input":{"__proto__":{"worktime":5}}}') as unknown,
    field: 'input.__proto__',
    message: /not allowed/,
  },
  {
    name: 'an input whose prototype a decoder set from "__proto__", hiding its padding from a size check',
    data: { type: 'sleep', input: Object.setPrototypeOf({}, { worktime: 5, padding: 'x'.repeat(20_000) }) as unknown },
    field: 'input.__proto__',
    message: /not allowed/,
  },
  {
    name: 'a "constructor" key deep in the input',
    data: { type: 'sleep', input: { worktime: 1, a: { b: [{ constructor: 1 }] } } },
    field: 'input.a.b.0.constructor',
  },
  {
    name: 'a "__proto__" key in the request itself',
    data: JSON.parse('{"type":"sleep","input":{"worktime":1},"__proto__":{}}') as unknown,
    field: '__proto__',
    message: /request|not allowed/,
  },
  {
    name: 'an input nested deeper than MAX_JSON_DEPTH',
    data: { type: 'sleep', input: { worktime: 1, deep: nestedArrays(MAX_JSON_DEPTH) } },
    field: `input.deep${'.0'.repeat(MAX_JSON_DEPTH - 2)}`,
    message: new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`),
  },

  { name: 'a number as requestId', data: { type: 'sleep', input: { worktime: 1 }, requestId: 7 }, field: 'requestId' },
  {
    name: 'null as requestId',
    data: { type: 'sleep', input: { worktime: 1 }, requestId: null },
    field: 'requestId',
  },
  {
    name: 'a requestId that is not a UUID',
    data: { type: 'sleep', input: { worktime: 1 }, requestId: 'request-1' },
    field: 'requestId',
    message: /UUID/,
  },
  {
    name: 'an empty requestId',
    data: { type: 'sleep', input: { worktime: 1 }, requestId: '' },
    field: 'requestId',
  },
  {
    name: 'a UUID with extra characters',
    data: { type: 'sleep', input: { worktime: 1 }, requestId: `${REQUEST_ID}x` },
    field: 'requestId',
  },
  {
    name: 'a UUID without its dashes',
    data: { type: 'sleep', input: { worktime: 1 }, requestId: REQUEST_ID.replace(/-/g, '') },
    field: 'requestId',
  },
];

describe('parseCreateJobRequest', () => {
  describe('refuses', () => {
    for (const bad of BAD_REQUESTS) {
      it(`${bad.name} (field "${bad.field}")`, () => {
        const error = validationErrorOf(bad.data, bad.limits);
        assert.equal(error.field, bad.field);
        // The client sees only the message, so it must say which field is wrong.
        assert.match(error.message, bad.field === '' ? /request/ : new RegExp(bad.field.replace(/\./g, '\\.')));
        if (bad.message) assert.match(error.message, bad.message);
      });
    }

    it('lists the known types when the type is unknown', () => {
      const error = validationErrorOf({ type: 'nap', input: { worktime: 1 } });
      assert.match(error.message, new RegExp(`known: ${tasks.types().join(', ')}`));
      assert.match(error.message, /known: primes, report, sleep\)/);
    });

    it('lists the test types too when the registry has them', () => {
      const withTestTasks = testTaskRegistry();
      assert.throws(
        () => parseCreateJobRequest({ type: 'nap', input: {} }, withTestTasks, limits),
        (error: unknown) =>
          error instanceof ValidationError &&
          /known: primes, report, sleep, test\.chatty, test\.crash, test\.crashInStep, test\.fail, test\.flaky, test\.gate, test\.hang, test\.nap, test\.record, test\.slowRetry\)/.test(
            error.message,
          ),
      );
    });

    it('checks the size before the schema, so a huge input is refused without being parsed', () => {
      // Both too big and invalid for the schema: the size is what must be reported.
      const error = validationErrorOf({ type: 'sleep', input: { worktime: 'x'.repeat(200) } }, { maxInputBytes: 50 });
      assert.equal(error.field, 'input');
      assert.match(error.message, /bytes/);
    });

    it('names the first problem when several fields are wrong (type before input)', () => {
      const error = validationErrorOf({ type: 3, input: 'nope', requestId: 'nope' });
      assert.equal(error.field, 'type');
    });

    it('is a ValidationError with its own name, so logs and the callable can tell it apart', () => {
      const error = validationErrorOf({});
      assert.equal(error.name, 'ValidationError');
      assert.ok(error instanceof Error);
    });
  });

  describe('accepts', () => {
    it('a sleep request without a requestId, and adds no requestId key', () => {
      const parsed = parseCreateJobRequest({ type: 'sleep', input: { worktime: 40 } }, tasks, limits);
      assert.deepEqual(parsed, { type: 'sleep', input: { worktime: 40 } });
      assert.equal(Object.hasOwn(parsed, 'requestId'), false);
    });

    it('a sleep request with a UUID requestId', () => {
      const parsed = parseCreateJobRequest(
        { type: 'sleep', input: { worktime: 1 }, requestId: REQUEST_ID },
        tasks,
        limits,
      );
      assert.deepEqual(parsed, { type: 'sleep', input: { worktime: 1 }, requestId: REQUEST_ID });
    });

    it('an upper-case UUID and one from crypto.randomUUID()', () => {
      for (const requestId of [REQUEST_ID.toUpperCase(), randomUUID()]) {
        const parsed = parseCreateJobRequest({ type: 'sleep', input: { worktime: 1 }, requestId }, tasks, limits);
        assert.equal(parsed.requestId, requestId);
      }
    });

    it('worktime 0 (the lower bound)', () => {
      const parsed = parseCreateJobRequest({ type: 'sleep', input: { worktime: 0 } }, tasks, limits);
      assert.deepEqual(parsed.input, { worktime: 0 });
    });

    it('worktime MAX_WORKTIME_SECONDS (the upper bound)', () => {
      const parsed = parseCreateJobRequest({ type: 'sleep', input: { worktime: MAX_WORKTIME_SECONDS } }, tasks, limits);
      assert.deepEqual(parsed.input, { worktime: MAX_WORKTIME_SECONDS });
    });

    it('a fractional worktime', () => {
      const parsed = parseCreateJobRequest({ type: 'sleep', input: { worktime: 0.25 } }, tasks, limits);
      assert.deepEqual(parsed.input, { worktime: 0.25 });
    });

    it('an input exactly maxInputBytes long', () => {
      const input = { worktime: 1 };
      const exact = Buffer.byteLength(JSON.stringify(input), 'utf8');
      const parsed = parseCreateJobRequest({ type: 'sleep', input }, tasks, { maxInputBytes: exact });
      assert.deepEqual(parsed.input, input);
    });

    it('a test-only type when the registry includes test tasks', () => {
      const withTestTasks = testTaskRegistry();
      const parsed = parseCreateJobRequest(
        { type: 'test.fail', input: { message: 'boom', code: 'not-found' } },
        withTestTasks,
        limits,
      );
      assert.deepEqual(parsed, { type: 'test.fail', input: { message: 'boom', code: 'not-found' } });
    });
  });
});

/** Runs the batch parser and returns the ValidationError it must throw; fails the test on anything else. */
function batchErrorOf(data: unknown, options: CreateJobLimits = limits): ValidationError {
  try {
    parseCreateJobsRequest(data, tasks, options);
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(data)?.slice(0, 200)} to be refused`);
}

const SLEEP = { type: 'sleep', input: { worktime: 1 } };
const sleeps = (count: number) => Array.from({ length: count }, () => SLEEP);

const BAD_BATCHES: readonly BadCase[] = [
  { name: 'null', data: null, field: '', message: /request must be an object \{ jobs, requestId\? \}, not null/ },
  { name: 'an array of jobs (not wrapped in { jobs })', data: [SLEEP], field: '', message: /not an array/ },
  { name: 'a string', data: 'jobs', field: '', message: /not a string/ },
  { name: 'no jobs', data: {}, field: 'jobs', message: /must be an array of \{ type, input \}, not an undefined/ },
  { name: 'jobs as an object', data: { jobs: { 0: SLEEP } }, field: 'jobs', message: /not an object/ },
  { name: 'jobs as a string', data: { jobs: 'sleep' }, field: 'jobs', message: /not a string/ },
  { name: 'no job at all', data: { jobs: [] }, field: 'jobs', message: /1 to 500 jobs, not 0/ },
  { name: `${MAX_BATCH_JOBS + 1} jobs`, data: { jobs: sleeps(MAX_BATCH_JOBS + 1) }, field: 'jobs', message: /not 501/ },
  { name: 'a job that is null', data: { jobs: [SLEEP, null] }, field: 'jobs.1', message: /not null/ },
  { name: 'a job that is a string', data: { jobs: ['sleep'] }, field: 'jobs.0', message: /not a string/ },
  { name: 'a job that is an array', data: { jobs: [SLEEP, SLEEP, [SLEEP]] }, field: 'jobs.2', message: /not an array/ },
  {
    name: 'a job without a type',
    data: { jobs: [{ input: { worktime: 1 } }] },
    field: 'jobs.0.type',
    message: /required/,
  },
  {
    name: 'an unknown type in the third job',
    data: { jobs: [SLEEP, SLEEP, { type: 'nap', input: {} }] },
    field: 'jobs.2.type',
    message: /"nap" is not a known task type \(known: primes, report, sleep\)/,
  },
  { name: 'a job without an input', data: { jobs: [{ type: 'sleep' }] }, field: 'jobs.0.input', message: /required/ },
  { name: 'an input that is an array', data: { jobs: [{ type: 'sleep', input: [] }] }, field: 'jobs.0.input' },
  {
    name: 'an input the schema refuses',
    data: { jobs: [SLEEP, { type: 'sleep', input: { worktime: -1 } }] },
    field: 'jobs.1.input.worktime',
  },
  {
    name: 'an unknown input field',
    data: { jobs: [{ type: 'sleep', input: { worktime: 1, worktme: 2 } }] },
    field: 'jobs.0.input',
    message: /worktme/,
  },
  {
    name: 'one input over maxInputBytes',
    data: { jobs: [SLEEP, { type: 'sleep', input: { worktime: 1, padding: 'x'.repeat(DEFAULT_MAX_INPUT_BYTES) } }] },
    field: 'jobs.1.input',
    message: new RegExp(`limit is ${DEFAULT_MAX_INPUT_BYTES}`),
  },
  {
    name: 'a "__proto__" key in a job’s input, as JSON.parse keeps it',
    data: JSON.parse('{"jobs":[{"type":"sleep","input":{"__proto__":{"worktime":5}}}]}') as unknown,
    field: 'jobs.0.input.__proto__',
    message: /not allowed/,
  },
  {
    name: 'a requestId that is not a UUID',
    data: { jobs: [SLEEP], requestId: 'batch-1' },
    field: 'requestId',
    message: /UUID/,
  },
];

describe('parseCreateJobsRequest', () => {
  it(`takes at most ${MAX_BATCH_JOBS} jobs`, () => {
    assert.equal(MAX_BATCH_JOBS, 500);
  });

  describe('refuses', () => {
    for (const bad of BAD_BATCHES) {
      it(`${bad.name} (field "${bad.field}")`, () => {
        const error = batchErrorOf(bad.data, bad.limits);
        assert.equal(error.field, bad.field);
        assert.match(error.message, bad.field === '' ? /request/ : new RegExp(bad.field.replace(/\./g, '\\.')));
        if (bad.message) assert.match(error.message, bad.message);
      });
    }

    it('names the first problem: the lowest job first, and in a job its type before its input', () => {
      const error = batchErrorOf({
        jobs: [SLEEP, { type: 'nap', input: 'nope' }, { type: 'sleep', input: { worktime: -1 } }],
        requestId: 'nope',
      });
      assert.equal(error.field, 'jobs.1.type');
    });
  });

  describe('accepts', () => {
    it('one job, without a requestId, adding no requestId key', () => {
      const parsed = parseCreateJobsRequest({ jobs: [SLEEP] }, tasks, limits);
      assert.deepEqual(parsed, { jobs: [SLEEP] });
      assert.equal(Object.hasOwn(parsed, 'requestId'), false);
    });

    it(`${MAX_BATCH_JOBS} jobs of several types with a UUID requestId, in order, inputs as their schemas parsed them`, () => {
      const jobs = Array.from({ length: MAX_BATCH_JOBS }, (_, n) =>
        n % 2 === 0 ? { type: 'sleep', input: { worktime: n % 7 } } : { type: 'primes', input: { below: 1000 + n } },
      );
      const parsed = parseCreateJobsRequest({ jobs, requestId: REQUEST_ID }, tasks, limits);
      assert.equal(parsed.requestId, REQUEST_ID);
      assert.equal(parsed.jobs.length, MAX_BATCH_JOBS);
      assert.deepEqual(parsed.jobs[3], { type: 'primes', input: { below: 1003 } });
      assert.deepEqual(parsed.jobs[4], { type: 'sleep', input: { worktime: 4 } });
    });

    it('measures each job’s input against the limit, not the batch’s', () => {
      const input = { worktime: 1 };
      const exact = Buffer.byteLength(JSON.stringify(input), 'utf8');
      const parsed = parseCreateJobsRequest({ jobs: sleeps(3) }, tasks, { maxInputBytes: exact });
      assert.equal(parsed.jobs.length, 3);
    });

    it('drops nothing and adds nothing: a job’s extra keys beside type and input are not passed on', () => {
      const parsed = parseCreateJobsRequest({ jobs: [{ ...SLEEP, requestId: REQUEST_ID, note: 'x' }] }, tasks, limits);
      assert.deepEqual(parsed.jobs, [SLEEP]);
    });
  });
});
