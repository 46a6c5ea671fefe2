/**
 * How the core calls its store (core/store/store-calls.ts), on the in-memory store with injected faults, in
 * simulated time: a call that does not answer within callTimeoutMs fails for now; reads are tried again after
 * transient errors, with exponential backoff and full jitter on the clock, until their deadline; a transition
 * decides again on fresh reads after a lost race or a transient commit error (and so recognizes its own commit that
 * was applied despite its error); a permanent error is thrown at once, without a wait.
 *
 * Covers what the deleted job-store-retry.test.ts and memory-job-repository.test.ts checked of the old adapters'
 * retries (transient errors retried with backoff, ambiguous commits recognized, permanent errors not retried,
 * giving up after the budget), now that the retries live once in the core.
 */
import assert from 'node:assert/strict';
import { StoreError, type StoredDocument, type StoreErrorCode } from '../../../library/src/core/ports/document-store';
import { StoreLayout } from '../../../library/src/core/protocol/store-layout';
import {
  DEFAULT_STORE_TIMINGS,
  type StoreAccess,
  type StoreTimings,
} from '../../../library/src/core/store/store-access';
import {
  backoffMs,
  bounded,
  commitRepeatable,
  nothingToWrite,
  read,
  transition,
  type Decision,
} from '../../../library/src/core/store/store-calls';
import { FaultyDocumentStore } from '../../../library/src/testing/faulty-document-store';
import { MemoryDocumentStore } from '../../../library/src/testing/memory-document-store';
import { SimulatedClock } from '../../../library/src/testing/simulated-clock';

const PATH = 'things/a';

/** A store behind injectable faults on a simulated clock starting at 0, with jitter `random`. */
function world(random: () => number = () => 0.5, timings: Partial<StoreTimings> = {}) {
  const clock = new SimulatedClock({ start: 0 });
  const store = new MemoryDocumentStore({ clock });
  const faults = new FaultyDocumentStore(store);
  const access: StoreAccess = {
    store: faults,
    layout: new StoreLayout(),
    clock,
    random,
    timings: { ...DEFAULT_STORE_TIMINGS, ...timings },
  };
  return { clock, store, faults, access };
}

/** What `work` settled with, and when (on `clock`), once the clock has run out of timers. */
async function settled<T>(
  clock: SimulatedClock,
  work: Promise<T>,
): Promise<{ ok: true; value: T; at: number } | { ok: false; error: unknown; at: number }> {
  const outcome = work.then(
    (value) => ({ ok: true as const, value, at: clock.now() }),
    (error: unknown) => ({ ok: false as const, error, at: clock.now() }),
  );
  await clock.runUntilIdle();
  return outcome;
}

/** The error `work` settled with; fails the test if it answered. */
async function failure(clock: SimulatedClock, work: Promise<unknown>): Promise<{ error: unknown; at: number }> {
  const result = await settled(clock, work);
  assert.equal(result.ok, false, 'expected a failure');
  if (result.ok) throw new Error('unreachable');
  return result;
}

const isStoreError = (e: unknown, code: StoreErrorCode) => e instanceof StoreError && e.code === code;

/** The counter a round read, or 0. */
const countOf = (doc: StoredDocument | undefined) => (typeof doc?.data.count === 'number' ? doc.data.count : 0);

describe('store calls', () => {
  describe('backoffMs', () => {
    it('is full jitter over a ceiling that doubles from initialBackoffMs up to maxBackoffMs', () => {
      const { access } = world(() => 0.5);
      const { initialBackoffMs, maxBackoffMs } = access.timings;
      assert.deepEqual(
        [1, 2, 3, 4, 5, 6, 7, 8, 20].map((tries) => backoffMs(access, tries)),
        [1, 2, 4, 8, 16, 32, 64, 128, 2 ** 19].map((times) => Math.min(maxBackoffMs, initialBackoffMs * times) / 2),
      );
      assert.equal(backoffMs(world(() => 0).access, 5), 0);
      assert.ok(backoffMs(world(() => 0.999).access, 30) < maxBackoffMs);
    });
  });

  describe('bounded', () => {
    it('answers as the call does within callTimeoutMs, and leaves no timer behind', async () => {
      const { clock, access } = world();
      const result = await settled(
        clock,
        bounded(access, () => Promise.resolve(42)),
      );
      assert.deepEqual(result, { ok: true, value: 42, at: 0 });
      assert.equal(clock.pendingTimers, 0);
    });

    it('passes the call’s own error on unchanged', async () => {
      const { clock, access } = world();
      const thrown = new StoreError('permission-denied', 'no');
      assert.equal(
        (
          await failure(
            clock,
            bounded(access, () => Promise.reject(thrown)),
          )
        ).error,
        thrown,
      );
    });

    it('fails a call that does not answer with deadline-exceeded (transient) at callTimeoutMs, and ignores a late answer', async () => {
      const { clock, access } = world();
      let answer: (value: number) => void = () => undefined;
      const late = new Promise<number>((resolve) => (answer = resolve));
      const work = bounded(access, () => late);
      clock.setTimer(access.timings.callTimeoutMs + 1, () => answer(42));
      const { error, at } = await failure(clock, work);
      assert.ok(isStoreError(error, 'deadline-exceeded'), String(error));
      assert.equal(at, access.timings.callTimeoutMs);
    });
  });

  describe('read', () => {
    it('tries again after transient errors, backing off on the clock, and answers', async () => {
      const { clock, store, faults, access } = world(() => 0.5);
      await store.commit([{ op: 'create', path: PATH, data: { count: 1 } }]);
      faults.fail({ call: 'get', fault: 'transient', times: 3 });
      const result = await settled(
        clock,
        read(access, () => access.store.get(PATH)),
      );
      assert.ok(result.ok);
      assert.equal(countOf(result.value), 1);
      assert.equal(faults.fired.length, 3);
      assert.equal(result.at, backoffMs(access, 1) + backoffMs(access, 2) + backoffMs(access, 3));
    });

    it('tries a call that hung again once it timed out', async () => {
      const { clock, store, faults, access } = world(() => 0.5);
      await store.commit([{ op: 'create', path: PATH, data: { count: 1 } }]);
      faults.fail({ call: 'get', fault: 'hang' });
      const result = await settled(
        clock,
        read(access, () => access.store.get(PATH)),
      );
      assert.ok(result.ok);
      assert.equal(result.at, access.timings.callTimeoutMs + backoffMs(access, 1));
    });

    it('throws a permanent error at once, without a wait or another try', async () => {
      const { clock, faults, access } = world();
      faults.fail({ call: 'get', fault: 'permanent', times: 5 });
      const { error, at } = await failure(
        clock,
        read(access, () => access.store.get(PATH)),
      );
      assert.ok(isStoreError(error, 'permission-denied'));
      assert.equal(at, 0);
      assert.equal(faults.fired.length, 1);
    });

    it('gives up with the last transient error when the next wait would pass its deadline', async () => {
      const { clock, faults, access } = world(() => 0.5);
      faults.fail({ call: 'query', fault: 'transient', times: 1_000 });
      const deadline = 1_000;
      const { error, at } = await failure(
        clock,
        read(access, () => access.store.query({ collection: 'things' }), deadline),
      );
      assert.ok(isStoreError(error, 'unavailable'));
      // Waits of 25, 50, 100, 200 and 400 ms (775 in all); the next, 800, would end past the deadline.
      assert.equal(at, 775);
      assert.equal(faults.fired.length, 6);
    });

    it('keeps trying for the budget when no deadline is given', async () => {
      const { clock, faults, access } = world(() => 0.5, { budgetMs: 5_000 });
      faults.fail({ call: 'count', fault: 'transient', times: 1_000 });
      const { at } = await failure(
        clock,
        read(access, () => access.store.count({ collection: 'things' })),
      );
      assert.ok(at < 5_000 && at > 5_000 - access.timings.maxBackoffMs, `gave up at ${at}`);
    });
  });

  describe('transition', () => {
    /**
     * A transition that adds 1 to the counter at PATH, fenced on the version read (or creating it), and counts its
     * rounds; `before(round)` runs between a round's read and its decision (another writer, say).
     */
    function increment(access: StoreAccess, before: (round: number) => Promise<void> = () => Promise.resolve()) {
      const rounds = { count: 0 };
      const done = transition<number>(access, async (): Promise<Decision<number>> => {
        rounds.count += 1;
        const doc = await read(access, () => access.store.get(PATH));
        await before(rounds.count);
        const next = countOf(doc) + 1;
        return {
          writes: [
            doc
              ? { op: 'update', path: PATH, data: { count: next }, ifVersion: doc.version }
              : { op: 'create', path: PATH, data: { count: next } },
          ],
          answer: () => next,
        };
      });
      return { rounds, done };
    }

    it('answers a decision without writes, committing nothing', async () => {
      const { clock, store, access } = world();
      const result = await settled(
        clock,
        transition(access, () => Promise.resolve(nothingToWrite('as it is'))),
      );
      assert.deepEqual(result, { ok: true, value: 'as it is', at: 0 });
      assert.equal(store.stats.commits, 0);
    });

    it('answers a decision of no writes with the clock’s time, committing nothing', async () => {
      const { clock, store, access } = world();
      await clock.advance(7);
      const work = transition<number>(access, () => Promise.resolve({ writes: [], answer: (commit) => commit.time }));
      assert.equal((await settled(clock, work)).ok, true);
      assert.equal(await work, 7);
      assert.equal(store.stats.commits, 0);
    });

    it('commits the decision’s writes and answers with the commit’s result', async () => {
      const { clock, store, access } = world();
      const work = transition<string | undefined>(access, () =>
        Promise.resolve({
          writes: [{ op: 'create', path: PATH, data: { count: 1 } }],
          answer: (commit) => commit.versions[0],
        }),
      );
      await settled(clock, work);
      assert.equal(await work, store.peek(PATH)?.version);
    });

    it('decides again on a fresh read after losing a race, backing off with jitter', async () => {
      const { clock, store, access } = world(() => 0.5);
      await store.commit([{ op: 'create', path: PATH, data: { count: 1 } }]);
      const { rounds, done } = increment(access, async (round) => {
        // Another writer moves the counter on between the first round's read and its commit.
        if (round === 1) await store.commit([{ op: 'update', path: PATH, data: { count: 10 } }]);
      });
      const result = await settled(clock, done);
      assert.ok(result.ok);
      assert.equal(result.value, 11, 'decided on the other writer’s value');
      assert.equal(rounds.count, 2);
      assert.equal(result.at, backoffMs(access, 1));
      assert.equal(countOf(store.peek(PATH)), 11);
    });

    it('decides again after a transient commit error that was not applied, writing once', async () => {
      const { clock, store, faults, access } = world();
      await store.commit([{ op: 'create', path: PATH, data: { count: 1 } }]);
      faults.fail({ call: 'commit', fault: 'transient', times: 2 });
      const { rounds, done } = increment(access);
      const result = await settled(clock, done);
      assert.ok(result.ok);
      assert.equal(result.value, 2);
      assert.equal(rounds.count, 3);
      assert.equal(store.stats.commits, 2, 'the create and one increment');
    });

    it('recognizes its own commit applied despite its error on the fresh read', async () => {
      const { clock, store, faults, access } = world();
      const target = 5;
      faults.fail({ call: 'commit', fault: 'ambiguous' });
      let rounds = 0;
      const done = transition<string>(access, async () => {
        rounds += 1;
        const doc = await read(access, () => access.store.get(PATH));
        if (countOf(doc) === target) return nothingToWrite('found written');
        return { writes: [{ op: 'create', path: PATH, data: { count: target } }], answer: () => 'written' };
      });
      const result = await settled(clock, done);
      assert.deepEqual(result.ok && result.value, 'found written');
      assert.equal(rounds, 2);
      assert.equal(store.stats.commits, 1, 'written once');
    });

    it('throws a permanent commit error at once, after one round and no wait', async () => {
      const { clock, faults, access } = world();
      faults.fail({ call: 'commit', fault: 'permanent' });
      const { rounds, done } = increment(access);
      const { error, at } = await failure(clock, done);
      assert.ok(isStoreError(error, 'invalid-argument'));
      assert.equal(rounds.count, 1);
      assert.equal(at, 0);
    });

    it('throws a permanent error of a round’s read at once', async () => {
      const { clock, faults, access } = world();
      faults.fail({ call: 'get', fault: 'permanent' });
      const { rounds, done } = increment(access);
      assert.ok(isStoreError((await failure(clock, done)).error, 'permission-denied'));
      assert.equal(rounds.count, 1);
    });

    it('gives up at its deadline with the last lost race when it keeps losing', async () => {
      const { clock, store, access } = world(() => 0.5);
      await store.commit([{ op: 'create', path: PATH, data: { count: 1 } }]);
      let rounds = 0;
      const done = transition<number>(
        access,
        async () => {
          rounds += 1;
          const doc = await read(access, () => access.store.get(PATH));
          await store.commit([{ op: 'update', path: PATH, data: { count: countOf(doc) + 100 } }]);
          return {
            writes: [{ op: 'update', path: PATH, data: { count: 0 }, ifVersion: doc?.version ?? '' }],
            answer: () => 0,
          };
        },
        1_000,
      );
      const { error, at } = await failure(clock, done);
      assert.ok(isStoreError(error, 'failed-precondition'), String(error));
      assert.equal(at, 775);
      assert.equal(rounds, 6);
      assert.notEqual(countOf(store.peek(PATH)), 0, 'its write never landed');
    });

    it('times out a commit that hangs, and decides again', async () => {
      const { clock, store, faults, access } = world(() => 0.5);
      faults.fail({ call: 'commit', fault: 'hang' });
      const { rounds, done } = increment(access);
      const result = await settled(clock, done);
      assert.ok(result.ok);
      assert.equal(result.value, 1);
      assert.equal(rounds.count, 2);
      assert.equal(result.at, access.timings.callTimeoutMs + backoffMs(access, 1));
      assert.equal(countOf(store.peek(PATH)), 1);
    });
  });

  describe('commitRepeatable', () => {
    it('commits again after transient errors until it is written', async () => {
      const { clock, store, faults, access } = world(() => 0.5);
      faults.fail({ call: 'commit', fault: 'transient', times: 2 });
      const work = commitRepeatable(access, [{ op: 'set', path: PATH, data: { count: 3 } }]);
      const result = await settled(clock, work);
      assert.ok(result.ok);
      assert.equal(result.at, backoffMs(access, 1) + backoffMs(access, 2));
      assert.equal(countOf(store.peek(PATH)), 3);
    });

    it('throws a failed precondition at once: a repeatable write has no decision to make again', async () => {
      const { clock, store, access } = world();
      await store.commit([{ op: 'create', path: PATH, data: { count: 1 } }]);
      const { error, at } = await failure(
        clock,
        commitRepeatable(access, [{ op: 'create', path: PATH, data: { count: 2 } }]),
      );
      assert.ok(isStoreError(error, 'already-exists'));
      assert.equal(at, 0);
    });
  });
});
