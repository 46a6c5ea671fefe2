/**
 * toJobError turns whatever a task handler threw into the `error` of a FAILED job. It must never throw
 * itself (the worker calls it in its catch), must keep a TaskError's chosen code, and must keep the document
 * small whatever was thrown. classifyFailure adds the retry decision (a TaskError is permanent unless it says
 * otherwise; anything unknown is worth another attempt, the retry policy bounding the cost) and what the owner
 * reads: a TaskError's message, any message of a task whose messages are public, or else a log id.
 */
import assert from 'node:assert/strict';
import {
  classifyFailure,
  MAX_ERROR_MESSAGE_LENGTH,
  TaskError,
  toJobError,
  withheldJobError,
} from '../../library/src/core/tasks/task-error';

describe('toJobError', () => {
  it("keeps a TaskError's code and message", () => {
    assert.deepEqual(toJobError(new TaskError('invalid-argument', 'worktime makes no sense')), {
      code: 'invalid-argument',
      message: 'worktime makes no sense',
    });
  });

  it('keeps every code a TaskError can carry, not just invalid-argument', () => {
    for (const code of ['not-found', 'failed-precondition', 'resource-exhausted', 'internal'] as const) {
      assert.equal(toJobError(new TaskError(code, 'x')).code, code);
    }
  });

  it('maps a plain Error to internal, keeping its message', () => {
    assert.deepEqual(toJobError(new Error('disk full')), { code: 'internal', message: 'disk full' });
  });

  it('maps an Error subclass that is not a TaskError to internal', () => {
    assert.deepEqual(toJobError(new RangeError('out of range')), { code: 'internal', message: 'out of range' });
  });

  it('ignores a `code` on an error that is not a TaskError (a Node system error must not choose the code)', () => {
    const error = Object.assign(new Error('ENOENT: no such file'), { code: 'not-found' });
    assert.equal(toJobError(error).code, 'internal');
  });

  describe('a thrown value that is not an Error', () => {
    const thrown: ReadonlyArray<readonly [string, unknown, string]> = [
      ['a string', 'boom', 'boom'],
      ['a number', 42, '42'],
      ['null', null, 'null'],
      ['undefined', undefined, 'undefined'],
      ['a plain object', { code: 'not-found', message: 'x' }, '[object Object]'],
    ];
    for (const [name, value, message] of thrown) {
      it(`maps ${name} to internal with a string message`, () => {
        assert.deepEqual(toJobError(value), { code: 'internal', message });
      });
    }
  });

  it('describes a thrown value that has no string form instead of throwing itself', () => {
    // The worker calls toJobError after claiming the job: if it threw, the job would stay RUNNING.
    const noPrototype: unknown = Object.create(null);
    assert.deepEqual(toJobError(noPrototype), { code: 'internal', message: 'a thrown object that has no string form' });
    const hostile = {
      toString: (): string => {
        throw new Error('no');
      },
    };
    assert.equal(toJobError(hostile).code, 'internal');
  });

  describe('message length', () => {
    it('does not split a surrogate pair when it cuts', () => {
      const message = toJobError(new Error(`${'x'.repeat(MAX_ERROR_MESSAGE_LENGTH - 2)}😀y`)).message;
      assert.doesNotMatch(message, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/, 'no lone high surrogate');
      assert.ok(message.length <= MAX_ERROR_MESSAGE_LENGTH);
      assert.ok(message.endsWith('x…'));
    });

    it(`truncates a long message to MAX_ERROR_MESSAGE_LENGTH (${MAX_ERROR_MESSAGE_LENGTH}) with an ellipsis`, () => {
      const long = 'e'.repeat(MAX_ERROR_MESSAGE_LENGTH * 10);
      const { message } = toJobError(new Error(long));
      assert.equal(message.length, MAX_ERROR_MESSAGE_LENGTH);
      assert.ok(message.endsWith('…'), 'the ellipsis says the message was cut');
      assert.ok(long.startsWith(message.slice(0, -1)), 'the kept part is the start of the original');
    });

    it('truncates a long thrown string the same way', () => {
      const { code, message } = toJobError('s'.repeat(MAX_ERROR_MESSAGE_LENGTH + 1));
      assert.equal(code, 'internal');
      assert.equal(message.length, MAX_ERROR_MESSAGE_LENGTH);
    });

    it('keeps a message exactly MAX_ERROR_MESSAGE_LENGTH long as it is', () => {
      const exact = 'x'.repeat(MAX_ERROR_MESSAGE_LENGTH);
      assert.equal(toJobError(new Error(exact)).message, exact);
    });

    it('cuts a message one character too long', () => {
      const { message } = toJobError(new Error('x'.repeat(MAX_ERROR_MESSAGE_LENGTH + 1)));
      assert.equal(message, `${'x'.repeat(MAX_ERROR_MESSAGE_LENGTH - 1)}…`);
    });
  });

  describe('an empty message', () => {
    it('gets a placeholder from a plain Error, so the job never shows a blank error', () => {
      assert.deepEqual(toJobError(new Error('')), { code: 'internal', message: 'the task failed without a message' });
    });

    it('gets a placeholder from a TaskError and keeps its code', () => {
      assert.deepEqual(toJobError(new TaskError('not-found', '')), {
        code: 'not-found',
        message: 'the task failed without a message',
      });
    });

    it('gets a placeholder from a thrown empty string', () => {
      assert.equal(toJobError('').message, 'the task failed without a message');
    });
  });
});

describe('TaskError', () => {
  it('is permanent by default', () => {
    const error = new TaskError('invalid-argument', 'bad input');
    assert.equal(error.transient, false);
    assert.equal(new TaskError('internal', 'x', {}).transient, false);
  });

  it('is transient when it says so, and permanent when it says transient: false', () => {
    assert.equal(new TaskError('unavailable', 'try later', { transient: true }).transient, true);
    assert.equal(new TaskError('unavailable', 'no', { transient: false }).transient, false);
  });

  it('is an Error named TaskError with its code and message', () => {
    const error = new TaskError('not-found', 'no such thing', { transient: true });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'TaskError');
    assert.equal(error.code, 'not-found');
    assert.equal(error.message, 'no such thing');
  });
});

describe('classifyFailure', () => {
  /** The options of a task that keeps its messages private, with log ids counted out. */
  const privateMessages = () => {
    let next = 0;
    return { publicMessages: false, newLogId: () => `log-${++next}` };
  };
  const publicMessages = { publicMessages: true, newLogId: () => assert.fail('a public message needs no log id') };

  it('makes a TaskError permanent by default, keeping its code and message', () => {
    assert.deepEqual(classifyFailure(new TaskError('invalid-argument', 'worktime makes no sense'), privateMessages()), {
      error: { code: 'invalid-argument', message: 'worktime makes no sense' },
      transient: false,
    });
  });

  it('makes a TaskError with the transient option transient, keeping its code', () => {
    const thrown = new TaskError('unavailable', 'backend busy', { transient: true });
    assert.deepEqual(classifyFailure(thrown, privateMessages()), {
      error: { code: 'unavailable', message: 'backend busy' },
      transient: true,
    });
  });

  it('makes a plain Error transient, as internal, its message withheld behind a new log id', () => {
    const thrown = new Error('connect ECONNREFUSED 10.0.0.7:5432');
    assert.deepEqual(classifyFailure(thrown, privateMessages()), {
      error: { code: 'internal', message: 'the task failed with an internal error (logId log-1)', logId: 'log-1' },
      transient: true,
      withheld: { thrown },
    });
  });

  it("keeps a plain Error's message for a task whose messages are public, with no log id", () => {
    assert.deepEqual(classifyFailure(new Error('socket hang up'), publicMessages), {
      error: { code: 'internal', message: 'socket hang up' },
      transient: true,
    });
  });

  it('makes an Error that merely looks like a TaskError transient and private (only the class counts)', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'TaskError', code: 'invalid-argument', transient: false });
    const failure = classifyFailure(lookalike, privateMessages());
    assert.deepEqual(failure.error, withheldJobError('log-1'));
    assert.equal(failure.transient, true);
  });

  it('makes thrown non-Errors transient and private, and never throws itself', () => {
    const hostile = {
      toString: (): string => {
        throw new Error('no');
      },
    };
    for (const options of [privateMessages(), publicMessages]) {
      for (const thrown of ['boom', 42, null, undefined, { message: 'x' }, Object.create(null), hostile]) {
        const failure = classifyFailure(thrown, options);
        assert.equal(failure.transient, true, String(typeof thrown));
        assert.equal(failure.error.code, 'internal');
        assert.equal(typeof failure.error.message, 'string');
        assert.equal(failure.error.logId === undefined, options.publicMessages);
      }
    }
  });

  it('gives the same error as toJobError where the message is public', () => {
    for (const thrown of [new TaskError('not-found', ''), new Error('e'.repeat(MAX_ERROR_MESSAGE_LENGTH * 2)), 'x']) {
      assert.deepEqual(classifyFailure(thrown, publicMessages).error, toJobError(thrown));
    }
    const taskError = new TaskError('not-found', 'no such image');
    assert.deepEqual(classifyFailure(taskError, privateMessages()).error, toJobError(taskError));
  });
});
