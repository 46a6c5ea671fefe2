/**
 * Creating jobs in batches: the createJobsBatch use case and the HTTP API's `POST /:batchCreate` route
 * (entry/http/http-api.ts handleHttpRequest), on the in-memory document store in simulated time.
 *
 * Covers: a batch answered in the order asked, its jobs in free slots sent at once and the rest waiting in
 * consecutive ranks; one admission decision for the whole batch (all or nothing); a batch's requestId making the
 * whole batch idempotent; jobs of two pools in one batch; and the route: its status codes (201, 400 naming
 * `jobs.N.input.x`, 401, 405, 409, 413, 415, 429) and its body limit, larger than a single create's.
 */
import assert from 'node:assert/strict';
import type { Request } from 'firebase-functions/v2/https';
import { z } from 'zod';
import { MAX_BATCH_JOBS } from '../../../library/src/core/create-request';
import { QuotaExceededError, RequestIdReusedError } from '../../../library/src/core/errors';
import { sleep, type Clock } from '../../../library/src/core/ports/clock';
import { defineTask } from '../../../library/src/core/tasks/task';
import { createJobsBatch } from '../../../library/src/core/use-cases/create-job';
import { MAX_HTTP_BATCH_BODY_BYTES, MAX_HTTP_BODY_BYTES } from '../../../library/src/entry/http/http-api';
import { callHttpApi, httpApiDeps, httpRequest, type Answer } from './http-calls';
import {
  OWNER,
  POOL,
  workerSimulation,
  type WorkerSimulation,
  type WorkerSimulationOptions,
} from './worker-simulation';

const REQUEST_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

function tasks(clock: Clock) {
  const work = (type: string, pool?: string) =>
    defineTask({
      type,
      ...(pool ? { pool } : {}),
      input: z.strictObject({ seconds: z.number().min(0), padding: z.string().optional() }),
      async run(input, { signal }) {
        await sleep(clock, input.seconds * 1000, signal);
        return 'done';
      },
    });
  return [work('test.work'), work('test.big', 'big')];
}

describe('batch create (simulated time)', () => {
  let sim: WorkerSimulation;

  function simulation(options: WorkerSimulationOptions = {}): WorkerSimulation {
    return workerSimulation(tasks, options);
  }

  beforeEach(() => {
    sim = simulation();
  });

  const jobs = (count: number, type = 'test.work') =>
    Array.from({ length: count }, (_, n) => ({ type, input: { seconds: n } }));

  const call = (req: Request): Promise<Answer> => callHttpApi(req, httpApiDeps(sim, OWNER));

  describe('createJobsBatch', () => {
    it('answers the jobs in the order asked: those that found free slots sent, the rest waiting in consecutive ranks', async () => {
      sim = simulation({ capacity: 2 });
      const ids = await sim.createBatch(jobs(5));
      assert.equal(new Set(ids).size, 5);
      assert.deepEqual(
        ids.map((id) => sim.job(id).input.seconds),
        [0, 1, 2, 3, 4],
      );
      const sent = ids.filter((id) => sim.job(id).waiting === false);
      const waiting = ids.filter((id) => sim.job(id).waiting === true);
      assert.equal(sent.length, 2);
      assert.deepEqual(new Set(sim.slotHolders()), new Set(sent));
      assert.deepEqual(
        sim.queue.published.map((message) => message.jobId),
        sent,
      );
      const ranks = waiting.map((id) => sim.job(id).rank ?? NaN);
      const first = ranks[0] ?? NaN;
      assert.deepEqual(ranks, [first, first + 1, first + 2], 'one owner’s jobs never share a rank');
      assert.equal(sim.log.of('jobCreated').length, 5);
      await sim.clock.runUntilIdle();
      assert.ok(ids.every((id) => sim.job(id).state === 'COMPLETED'));
    });

    it('admits a batch whole or not at all', async () => {
      sim = simulation({ limits: { maxActiveJobsPerUser: 4 } });
      await sim.createBatch(jobs(2));
      const commits = sim.store.stats.commits;
      await assert.rejects(sim.createBatch(jobs(3)), (e: unknown) => e instanceof QuotaExceededError && e.active === 2);
      assert.equal(sim.store.stats.commits, commits, 'nothing written');
      assert.equal(sim.activeJobs(), 2);
      assert.equal((await sim.createBatch(jobs(2))).length, 2);
    });

    it('finishes a batch it began: a slot commit that hangs and queue commits failing past the first deadline refuse none of it', async () => {
      sim = simulation({ capacity: 40 });
      const start = sim.clock.now();
      // One of the two commits that take the 40 free slots hangs until the store call's timeout (15 s): its 20 jobs
      // are to wait instead. Then every commit of the owner's queue fails for now until 22 s, past the 20 s the create
      // set out with: a batch that gave up then would leave the 20 jobs in slots made and its caller told it failed.
      sim.faults.fail({
        call: 'commit',
        fault: 'hang',
        where: (call) => call.paths.some((path) => path.includes('/slots/')),
      });
      sim.faults.fail({
        call: 'commit',
        fault: 'transient',
        times: 1_000,
        where: (call) => call.paths.some((path) => path.startsWith('jobOwners/')) && sim.clock.now() < start + 22_000,
      });
      let answered: string[] | undefined;
      void sim
        .createBatch(Array.from({ length: 60 }, () => ({ type: 'test.work', input: { seconds: 50 } })))
        .then((made) => (answered = made));
      await sim.clock.runUntil(() => answered !== undefined);
      const ids = answered ?? [];
      const answeredAfter = sim.clock.now() - start;
      assert.equal(new Set(ids).size, 60, 'every job of the batch is answered');
      const made = ids.map((id) => sim.job(id));
      const inSlots = made.filter((job) => job.slot !== null && job.waiting === false).length;
      const waiting = made.filter((job) => job.waiting === true).length;
      assert.ok(inSlots >= 20, `the 20 of the slot commit that was made hold slots (${inSlots} do)`);
      assert.equal(inSlots + waiting, 60, 'the rest wait (or were sent into the slots the hung commit left free)');
      assert.ok(
        answeredAfter >= 22_000 && answeredAfter < 30_000,
        `answered after ${answeredAfter} ms, within the callable's 30 s`,
      );
      await sim.clock.runUntilIdle();
      assert.ok(
        ids.every((id) => sim.job(id).state === 'COMPLETED'),
        'every job ran',
      );
    });

    it('makes a batch with a requestId idempotent: a repeat answers the same jobs and makes none', async () => {
      sim = simulation({ capacity: 1 });
      const batch = { jobs: jobs(3), requestId: REQUEST_ID };
      const first = await sim.createBatch(batch.jobs);
      const made = await call(httpRequest('POST', '/:batchCreate', batch));
      assert.equal(made.status, 201);
      const count = sim.store.peekCollection(sim.layout.jobs).length;
      const published = sim.queue.published.length;
      const again = await call(httpRequest('POST', '/:batchCreate', batch));
      assert.deepEqual(again, made);
      assert.equal(sim.store.peekCollection(sim.layout.jobs).length, count);
      assert.equal(sim.queue.published.length, published);
      const ids = (made.body as { jobs: { id: string }[] }).jobs.map((job) => job.id);
      assert.ok(
        ids.every((id) => !first.includes(id)),
        'a batch without a requestId is another batch',
      );
      assert.deepEqual(
        ids.map((id) => sim.job(id).requestId),
        [0, 1, 2].map((index) => `${REQUEST_ID}/${index}`),
      );
    });

    it('refuses a requestId that made another batch, and makes nothing', async () => {
      await call(httpRequest('POST', '/:batchCreate', { jobs: jobs(2), requestId: REQUEST_ID }));
      const count = sim.store.peekCollection(sim.layout.jobs).length;
      const other = { jobs: [...jobs(1), { type: 'test.work', input: { seconds: 9 } }], requestId: REQUEST_ID };
      await assert.rejects(createJobsBatch(OWNER, other, sim.createDeps), RequestIdReusedError);
      assert.equal(sim.store.peekCollection(sim.layout.jobs).length, count);
    });

    it('places each job of a batch in its own task’s pool', async () => {
      sim = simulation({ capacity: 1 });
      const ids = await sim.createBatch([...jobs(2), ...jobs(2, 'test.big')]);
      assert.deepEqual(
        ids.map((id) => sim.job(id).pool),
        [POOL, POOL, 'big', 'big'],
      );
      assert.equal(sim.slotHolders(POOL).length, 1);
      assert.equal(sim.slotHolders('big').length, 1);
      await sim.clock.runUntilIdle();
      assert.ok(ids.every((id) => sim.job(id).state === 'COMPLETED'));
    });
  });

  describe('POST /:batchCreate', () => {
    it('creates the jobs and answers 201 with each job’s id, type and state, in order', async () => {
      const answer = await call(httpRequest('POST', '/:batchCreate', { jobs: jobs(3) }));
      assert.equal(answer.status, 201);
      const created = (answer.body as { jobs: { id: string; type: string; state: string }[] }).jobs;
      assert.deepEqual(
        created.map(({ type, state }) => ({ type, state })),
        [0, 1, 2].map(() => ({ type: 'test.work', state: 'CREATED' })),
      );
      assert.deepEqual(
        created.map(({ id }) => sim.job(id).owner),
        [OWNER, OWNER, OWNER],
      );
    });

    it('answers 400 naming the job and field of the first problem, and makes nothing', async () => {
      const answer = await call(
        httpRequest('POST', '/:batchCreate', { jobs: [...jobs(1), { type: 'test.work', input: { seconds: -1 } }] }),
      );
      assert.equal(answer.status, 400);
      assert.match(JSON.stringify(answer.body), /"field":"jobs\.1\.input\.seconds"/);
      assert.equal(sim.store.stats.commits, 0);
    });

    it(`answers 400 for an empty batch and one over ${MAX_BATCH_JOBS} jobs`, async () => {
      for (const count of [0, MAX_BATCH_JOBS + 1]) {
        const answer = await call(httpRequest('POST', '/:batchCreate', { jobs: jobs(count) }));
        assert.equal(answer.status, 400, `${count} jobs`);
        assert.match(JSON.stringify(answer.body), /"field":"jobs"/);
      }
    });

    it('answers 429 when the batch would pass the owner’s limit, and 409 for a requestId reused', async () => {
      sim = simulation({ limits: { maxActiveJobsPerUser: 2 } });
      assert.equal((await call(httpRequest('POST', '/:batchCreate', { jobs: jobs(3) }))).status, 429);
      const batch = { jobs: jobs(1), requestId: REQUEST_ID };
      assert.equal((await call(httpRequest('POST', '/:batchCreate', batch))).status, 201);
      const reused = { jobs: jobs(1, 'test.big'), requestId: REQUEST_ID };
      assert.equal((await call(httpRequest('POST', '/:batchCreate', reused))).status, 409);
    });

    it('takes a body over a single create’s limit, up to the batch limit (413 past it)', async () => {
      const padding = 'x'.repeat(1_000);
      const big = { jobs: Array.from({ length: 100 }, () => ({ type: 'test.work', input: { seconds: 1, padding } })) };
      assert.ok(JSON.stringify(big).length > MAX_HTTP_BODY_BYTES);
      assert.equal((await call(httpRequest('POST', '/:batchCreate', big))).status, 201);
      const tooBig = httpRequest('POST', '/:batchCreate', { jobs: jobs(1) });
      (tooBig as unknown as { rawBody: Buffer }).rawBody = Buffer.alloc(MAX_HTTP_BATCH_BODY_BYTES + 1);
      const answer = await call(tooBig);
      assert.equal(answer.status, 413);
    });

    it('answers 415 for a body that is not JSON, 401 without a valid token, and 405 for another method', async () => {
      const notJson = await call(
        httpRequest('POST', '/:batchCreate', { jobs: jobs(1) }, { 'content-type': 'text/plain' }),
      );
      assert.equal(notJson.status, 415);
      const anonymous = await call(httpRequest('POST', '/:batchCreate', { jobs: jobs(1) }, { authorization: '' }));
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers['WWW-Authenticate'], 'Bearer');
      const badToken = await call(
        httpRequest('POST', '/:batchCreate', { jobs: jobs(1) }, { authorization: 'Bearer forged' }),
      );
      assert.equal(badToken.status, 401);
      const get = await call(httpRequest('GET', '/:batchCreate'));
      assert.equal(get.status, 405);
      assert.equal(get.headers.Allow, 'POST');
      assert.equal(sim.store.stats.commits, 0);
    });
  });
});
