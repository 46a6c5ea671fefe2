/**
 * The registry decides which task types a deployment runs. The test-only types must never reach a deploy,
 * and two tasks claiming one name must fail at start-up rather than one silently shadowing the other.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { config } from '../../library/src/config';
import { DEFAULT_WORKER_TIMINGS } from '../../library/src/core/worker/worker-timings';
import { retryPolicy } from '../../library/src/core/retry-policy';
import { TaskRegistry } from '../../library/src/core/tasks/task-registry';
import { PRODUCTION_TASKS } from '../../functions/src/tasks/production-tasks';
import { productionTaskRegistry, testTaskRegistry } from '../fixtures/tasks/registries';
import { primesTask } from '../../functions/src/tasks/primes';
import { sleepTask } from '../../functions/src/tasks/sleep';
import { DEFAULT_TASK_TIMEOUT_SECONDS, defineTask, MAX_TASK_TIMEOUT_SECONDS } from '../../library/src/core/tasks/task';
import { failTask, TEST_TASKS } from '../fixtures/tasks/test-tasks';

/** A task that does nothing, for registries built by hand. */
function stubTask(type: string) {
  return defineTask({ type, input: z.strictObject({}), run: () => Promise.resolve(type) });
}

describe('task registries', () => {
  describe('without test tasks (a deploy)', () => {
    const registry = productionTaskRegistry();

    it('serves sleep and primes', () => {
      assert.equal(registry.get('sleep'), sleepTask);
      assert.equal(registry.get('primes'), primesTask);
    });

    it('serves no test task', () => {
      for (const task of TEST_TASKS) assert.equal(registry.get(task.type), undefined, task.type);
    });

    it('lists exactly the production tasks', () => {
      assert.deepEqual(registry.types(), ['primes', 'report', 'sleep']);
      assert.deepEqual(registry.types(), PRODUCTION_TASKS.map((task) => task.type).sort());
      assert.ok(registry.types().every((type) => !type.startsWith('test.')));
    });
  });

  describe('with test tasks (the emulator suite)', () => {
    const registry = testTaskRegistry();

    it('serves every test task as well as sleep and primes', () => {
      assert.equal(registry.get('test.fail'), failTask);
      for (const task of TEST_TASKS) assert.equal(registry.get(task.type), task, task.type);
      assert.equal(registry.get('sleep'), sleepTask);
      assert.equal(registry.get('primes'), primesTask);
    });

    it('names every test task test.*, so the prefix alone marks a type as test-only', () => {
      assert.deepEqual(TEST_TASKS.map((task) => task.type).sort(), [
        'test.chatty',
        'test.crash',
        'test.crashInStep',
        'test.fail',
        'test.flaky',
        'test.gate',
        'test.hang',
        'test.nap',
        'test.record',
        'test.slowRetry',
      ]);
    });

    it('lists the production and test types, sorted', () => {
      assert.deepEqual(registry.types(), [
        'primes',
        'report',
        'sleep',
        'test.chatty',
        'test.crash',
        'test.crashInStep',
        'test.fail',
        'test.flaky',
        'test.gate',
        'test.hang',
        'test.nap',
        'test.record',
        'test.slowRetry',
      ]);
      assert.equal(registry.types().length, PRODUCTION_TASKS.length + TEST_TASKS.length);
    });
  });

  it("fits every task's time limit, longest backoff and abort grace inside the worker timeout", () => {
    const registry = testTaskRegistry();
    for (const type of registry.types()) {
      const task = registry.get(type);
      assert.ok(task, type);
      const limitSeconds = task.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS;
      assert.ok(limitSeconds > 0 && limitSeconds <= MAX_TASK_TIMEOUT_SECONDS, `${type}: ${limitSeconds} s`);
      const { maxBackoffMs, maxAttempts } = retryPolicy(task.retry);
      assert.ok(maxAttempts >= 1, `${type}: maxAttempts ${maxAttempts}`);
      const budget = limitSeconds + maxBackoffMs / 1000 + DEFAULT_WORKER_TIMINGS.abortGraceMs / 1000;
      assert.ok(budget < config.workerTimeoutSeconds, `${type}: ${budget} s`);
    }
  });

  it('answers undefined for an unknown type rather than throwing', () => {
    const registry = testTaskRegistry();
    assert.equal(registry.get('nap'), undefined);
    assert.equal(registry.get(''), undefined);
  });

  it('does not serve names inherited from Object.prototype', () => {
    const registry = testTaskRegistry();
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.equal(registry.get(name), undefined, name);
    }
  });
});

describe('TaskRegistry', () => {
  it('throws when two tasks share a type name', () => {
    assert.throws(() => new TaskRegistry([stubTask('a'), stubTask('b'), stubTask('a')]), /share a type name/);
  });

  it('throws when the same task is registered twice', () => {
    assert.throws(() => new TaskRegistry([sleepTask, sleepTask]), /share a type name/);
  });

  it('sorts types() whatever the registration order', () => {
    const registry = new TaskRegistry([stubTask('zeta'), stubTask('alpha'), stubTask('mid.task')]);
    assert.deepEqual(registry.types(), ['alpha', 'mid.task', 'zeta']);
  });

  it('returns a fresh array from types(), so a caller cannot change the registry', () => {
    const registry = new TaskRegistry([stubTask('a')]);
    registry.types().push('b');
    assert.deepEqual(registry.types(), ['a']);
    assert.equal(registry.get('b'), undefined);
  });

  it('accepts an empty list', () => {
    assert.deepEqual(new TaskRegistry([]).types(), []);
  });
});
