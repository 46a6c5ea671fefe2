/**
 * The `jobs` HTTP function over real HTTP on the emulator suite: the seed's flow and AIP-151's operations, with
 * the same auth, validation and lifecycle as the callables, and the batch create (`POST /:batchCreate`).
 */
import assert from 'node:assert/strict';
import type { ApiErrorBody, CreateJobsResponse, JobOperation } from '@async-jobs/contract';
import { SLEEP_RESULT } from '../../functions/src/tasks/sleep';
import { BAD_REQUESTS, requestJson, UNNAMEABLE_JOB_IDS, type BadRequest } from '../helpers/bad-requests';
import { MAX_JSON_DEPTH } from '../../library/src/core/json-shape';
import { idTokenOf, signedInUser, userForSuite, withSignedInUser, type TestUser } from '../helpers/client';
import { countJobsOwnedBy, untilAllDone } from '../helpers/admin';
import { callJobsApi } from '../helpers/http';
import { functionParam } from '../helpers/function-params';
import { cancelJob } from '../../library/src/core/protocol/cancel';
import { deadlineAfter } from '../../library/src/core/store/store-access';
import { emulatorAccess } from '../helpers/in-process';
import { createWaitingJobs } from '../helpers/queued-jobs';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function assertError(answer: { status: number; body: unknown }, status: number, name: string, message?: RegExp) {
  const { error } = answer.body as ApiErrorBody;
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(error.code, status);
  assert.equal(error.status, name);
  if (message) assert.match(error.message, message);
  return error;
}

describe('HTTP API (emulator)', () => {
  let user: TestUser;
  let token: string;
  userForSuite((u) => (user = u));

  before(async () => {
    token = await idTokenOf(user);
  });

  describe('jobs', () => {
    it('creates with the seed body {"worktime":N} as a sleep job, and waits for it on the server', async () => {
      const created = await callJobsApi<JobOperation>('POST', '', { token, json: { worktime: 1 } });
      assert.equal(created.status, 201);
      const op = created.body;
      assert.match(op.id, /^\w{20}$/);
      assert.equal(op.name, `jobs/${op.id}`);
      assert.equal(op.state, 'CREATED');
      assert.equal(op.done, false);
      assert.equal(op.metadata.type, 'sleep');
      assert.match(op.metadata.createTime ?? '', RFC3339);
      assert.equal(op.response, undefined);
      assert.equal(op.error, undefined);

      const started = Date.now();
      const waited = await callJobsApi<JobOperation>('GET', `/${op.id}:wait?timeout=30s`, { token });
      assert.equal(waited.status, 200);
      assert.ok(Date.now() - started < 30_000, 'returned when the job ended, before the timeout');
      assert.equal(waited.body.done, true);
      assert.equal(waited.body.state, 'COMPLETED');
      assert.equal(waited.body.response, SLEEP_RESULT);
      assert.equal(waited.body.error, undefined, 'exactly one of response and error');
      for (const time of ['createTime', 'startTime', 'updateTime', 'doneTime'] as const) {
        assert.match(waited.body.metadata[time] ?? '', RFC3339, time);
      }
      assert.equal(waited.body.metadata.attempts, 1);
      assert.deepEqual(waited.body.metadata.progress, { percent: 100, message: 'slept 1 s of 1 s' });

      const got = await callJobsApi<JobOperation>('GET', `/${op.id}`, { token });
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, waited.body);
    });

    it('creates with { type, input, requestId }, idempotently', async () => {
      const request = { type: 'sleep', input: { worktime: 0 }, requestId: crypto.randomUUID() };
      const first = await callJobsApi<JobOperation>('POST', '', { token, json: request });
      const again = await callJobsApi<JobOperation>('POST', '', { token, json: request });
      assert.equal(first.status, 201);
      assert.equal(again.body.id, first.body.id);
      const conflict = await callJobsApi('POST', '', { token, json: { ...request, input: { worktime: 2 } } });
      assertError(conflict, 409, 'ALREADY_EXISTS', /already used for a different request/);
    });

    it('returns a job not yet done when the wait times out, then cancels it', async () => {
      const created = await callJobsApi<JobOperation>('POST', '', { token, json: { worktime: 120 } });
      const waited = await callJobsApi<JobOperation>('GET', `/${created.body.id}:wait?timeout=1.5s`, { token });
      assert.equal(waited.status, 200);
      assert.equal(waited.body.done, false);

      const cancelled = await callJobsApi<JobOperation>('POST', `/${created.body.id}:cancel`, { token });
      assert.equal(cancelled.status, 200);
      assert.ok(
        cancelled.body.state === 'CANCELLED' || cancelled.body.metadata.cancelRequested === true,
        JSON.stringify(cancelled.body),
      );
      const done = await callJobsApi<JobOperation>('GET', `/${created.body.id}:wait?timeout=30s`, { token });
      assert.equal(done.body.state, 'CANCELLED');
      assert.deepEqual(done.body.error, {
        code: 1,
        status: 'CANCELLED',
        message: 'the job was cancelled by its owner',
      });
      assert.equal(done.body.response, undefined);

      const again = await callJobsApi('POST', `/${created.body.id}:cancel`, { token });
      assertError(again, 409, 'FAILED_PRECONDITION', /already CANCELLED/);
    });

    it('deletes a done job, and refuses to delete one that is running with 409', async () => {
      const running = await callJobsApi<JobOperation>('POST', '', { token, json: { worktime: 120 } });
      assertError(await callJobsApi('DELETE', `/${running.body.id}`, { token }), 409, 'FAILED_PRECONDITION');
      await callJobsApi('POST', `/${running.body.id}:cancel`, { token });
      await callJobsApi('GET', `/${running.body.id}:wait?timeout=30s`, { token });
      const deleted = await callJobsApi('DELETE', `/${running.body.id}`, { token });
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body, {});
      assertError(await callJobsApi('GET', `/${running.body.id}`, { token }), 404, 'NOT_FOUND');
    });

    it('lists the caller’s jobs newest first, a page at a time', async () => {
      await withSignedInUser(async (lister) => {
        const listerToken = await idTokenOf(lister);
        const ids: string[] = [];
        for (let n = 0; n < 5; n++) {
          ids.push(
            (await callJobsApi<JobOperation>('POST', '', { token: listerToken, json: { worktime: 0 } })).body.id,
          );
        }
        const seen: string[] = [];
        const sizes: number[] = [];
        let pageToken = '';
        do {
          const page = await callJobsApi<{ operations: JobOperation[]; nextPageToken?: string }>(
            'GET',
            `?pageSize=2${pageToken ? `&pageToken=${pageToken}` : ''}`,
            { token: listerToken },
          );
          assert.equal(page.status, 200);
          sizes.push(page.body.operations.length);
          seen.push(...page.body.operations.map((op) => op.id));
          pageToken = page.body.nextPageToken ?? '';
        } while (pageToken);
        assert.deepEqual(sizes, [2, 2, 1]);
        assert.deepEqual(seen, [...ids].reverse());
        const all = await callJobsApi<{ operations: JobOperation[] }>('GET', '', { token: listerToken });
        assert.equal(all.body.operations.length, 5, 'the default page holds them all');
      });
    });

    it('refuses a bad pageSize or pageToken with 400 naming the parameter', async () => {
      for (const query of ['?pageSize=0', '?pageSize=101', '?pageSize=two', '?pageToken=bm90LWEtdG9rZW4']) {
        const error = assertError(await callJobsApi('GET', query, { token }), 400, 'INVALID_ARGUMENT');
        const field = error.details?.[0]?.fieldViolations[0]?.field;
        assert.equal(field, query.includes('pageSize') ? 'pageSize' : 'pageToken', query);
      }
      assertError(await callJobsApi('GET', '/x:wait?timeout=90s', { token }), 400, 'INVALID_ARGUMENT', /at most 60s/);
    });
  });

  describe('bad requests', () => {
    // The runtime's strict JSON parser answers a top-level null or string itself (below).
    const objectRows = BAD_REQUESTS.filter(
      (row) => row.json !== undefined || (typeof row.data === 'object' && row.data !== null),
    );
    const postRow = (rowToken: string, row: BadRequest) =>
      callJobsApi('POST', '', {
        token: rowToken,
        body: requestJson(row),
        headers: { 'content-type': 'application/json' },
      });
    for (const row of objectRows) {
      it(`refuses ${row.name} with 400 and the callable's message`, async () => {
        const error = assertError(await postRow(token, row), 400, 'INVALID_ARGUMENT');
        assert.match(error.message, row.message);
        assert.equal(error.details?.[0]?.fieldViolations[0]?.field, row.field);
      });
    }

    it('refuses nesting of 20,000 levels with 400 naming where, before anything recursive runs', async () => {
      const body = `{"type":"sleep","input":{"worktime":1,"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
      const answer = await callJobsApi('POST', '', { token, body, headers: { 'content-type': 'application/json' } });
      const error = assertError(answer, 400, 'INVALID_ARGUMENT', new RegExp(`nested deeper than ${MAX_JSON_DEPTH}`));
      assert.equal(error.details?.[0]?.fieldViolations[0]?.field, `input.deep${'.0'.repeat(MAX_JSON_DEPTH - 2)}`);
    });

    it('refuses JSON that is not an object (null, a string) with 400', async () => {
      // The runtime's JSON parser is strict: it refuses a top-level null or string before our code runs.
      for (const body of ['null', '"sleep"']) {
        const answer = await callJobsApi('POST', '', { token, body, headers: { 'content-type': 'application/json' } });
        assert.equal(answer.status, 400, body);
      }
    });

    it('writes no job for any refused request (sent by a user with no jobs, counted after each)', async () => {
      // Every request this describe refuses, sent by a new user (so the count is of these requests only, whichever
      // tests ran before), each checked refused and counted after, so a request that writes is named.
      const json = { 'content-type': 'application/json' };
      const deep = `{"type":"sleep","input":{"worktime":1,"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
      const refused: { name: string; status: number; body: string; headers: Record<string, string> }[] = [
        ...objectRows.map((row) => ({ name: row.name, status: 400, body: requestJson(row), headers: json })),
        { name: 'nesting of 20,000 levels', status: 400, body: deep, headers: json },
        { name: 'top-level null', status: 400, body: 'null', headers: json },
        { name: 'a top-level string', status: 400, body: '"sleep"', headers: json },
        { name: 'malformed JSON', status: 400, body: '{"worktime": 40', headers: json },
        {
          name: 'a body that is not JSON',
          status: 415,
          body: 'worktime=40',
          headers: { 'content-type': 'text/plain' },
        },
        {
          name: 'a body over 64 KiB',
          status: 413,
          body: JSON.stringify({ worktime: 1, padding: 'x'.repeat(70_000) }),
          headers: json,
        },
      ];
      await withSignedInUser(async (fresh) => {
        const freshToken = await idTokenOf(fresh);
        assert.equal(await countJobsOwnedBy(fresh.uid ?? ''), 0, 'a new user owns no job');
        for (const { name, status, body, headers } of refused) {
          const answer = await callJobsApi('POST', '', { token: freshToken, body, headers });
          assert.equal(answer.status, status, `${name}: ${JSON.stringify(answer.body)}`);
          assert.equal(await countJobsOwnedBy(fresh.uid ?? ''), 0, `${name} wrote a job`);
        }
        // The count sees this user's jobs: an accepted request from the same user is counted.
        const accepted = await callJobsApi('POST', '', { token: freshToken, json: { worktime: 0 } });
        assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
        assert.equal(await countJobsOwnedBy(fresh.uid ?? ''), 1, 'the accepted request is counted');
      });
    });

    it('refuses malformed JSON with 400 (answered by the Functions runtime, before our code)', async () => {
      const answer = await callJobsApi('POST', '', {
        token,
        body: '{"worktime": 40',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(answer.status, 400);
    });

    it('refuses a body that is not JSON with 415', async () => {
      const answer = await callJobsApi('POST', '', {
        token,
        body: 'worktime=40',
        headers: { 'content-type': 'text/plain' },
      });
      assertError(answer, 415, 'INVALID_ARGUMENT', /Content-Type: application\/json/);
    });

    it('refuses a body over 64 KiB with 413', async () => {
      const answer = await callJobsApi('POST', '', { token, json: { worktime: 1, padding: 'x'.repeat(70_000) } });
      assertError(answer, 413, 'INVALID_ARGUMENT', /over 65536 bytes/);
    });

    it('answers an unknown route with 404 and a wrong method with 405 and Allow', async () => {
      assertError(await callJobsApi('GET', '/a/b', { token }), 404, 'NOT_FOUND', /no such route/);
      assertError(await callJobsApi('GET', '/abc:frobnicate', { token }), 404, 'NOT_FOUND');
      const put = await callJobsApi('PUT', '', { token, json: {} });
      assertError(put, 405, 'UNIMPLEMENTED');
      assert.equal(put.headers.get('allow'), 'POST, GET');
      const patch = await callJobsApi('PATCH', '/abc', { token, json: {} });
      assertError(patch, 405, 'UNIMPLEMENTED');
      assert.equal(patch.headers.get('allow'), 'GET, DELETE');
      const getCancel = await callJobsApi('GET', '/abc:cancel', { token });
      assert.equal(getCancel.headers.get('allow'), 'POST');
    });

    it('refuses a job past the active-job quota with 429', async () => {
      // As many jobs as the functions' limit, made in one batch through the job protocol and left waiting in a pool
      // no worker serves (so no worker is started for them); admission itself is the unit tests' (batch-create,
      // owner-operations), this checks the HTTP answer at the limit.
      const limit = functionParam('MAX_ACTIVE_JOBS_PER_USER');
      const busy = await signedInUser();
      const access = emulatorAccess();
      const owner = busy.uid ?? '';
      const requests = Array.from({ length: limit }, () => ({ type: 'sleep', input: { worktime: 1 } }));
      let ids: string[] = [];
      try {
        ({ ids } = await createWaitingJobs(access, owner, requests, limit));
        const refused = await callJobsApi('POST', '', { token: await idTokenOf(busy), json: { worktime: 1 } });
        assertError(refused, 429, 'RESOURCE_EXHAUSTED', new RegExp(`limit is ${limit}`));
        const batch = await callJobsApi('POST', '/:batchCreate', {
          token: await idTokenOf(busy),
          json: { jobs: [{ type: 'sleep', input: { worktime: 1 } }] },
        });
        assertError(batch, 429, 'RESOURCE_EXHAUSTED', new RegExp(`limit is ${limit}`));
        assert.equal(await countJobsOwnedBy(owner), limit);
      } finally {
        for (const id of ids) await cancelJob(access, owner, id, 30, deadlineAfter(access));
        await busy.close();
      }
    });
  });

  describe('batch create (POST /:batchCreate)', () => {
    it('creates several jobs with one call (201), each then run to COMPLETED', async () => {
      const jobs = [
        { type: 'sleep', input: { worktime: 0 } },
        { type: 'primes', input: { below: 1000 } },
        { type: 'sleep', input: { worktime: 1 } },
      ];
      const created = await callJobsApi<CreateJobsResponse>('POST', '/:batchCreate', { token, json: { jobs } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(
        created.body.jobs.map(({ type, state }) => ({ type, state })),
        jobs.map(({ type }) => ({ type, state: 'CREATED' })),
        'one job per item, in the order asked',
      );
      assert.equal(new Set(created.body.jobs.map((job) => job.id)).size, jobs.length);
      for (const { id } of created.body.jobs) assert.match(id, /^\w{20}$/);
      // What the jobs become, read from the server: the :wait tests above are about following a job.
      const done = await untilAllDone(created.body.jobs.map(({ id }) => id));
      assert.deepEqual(
        done.map(({ type, state }) => ({ type, state })),
        jobs.map(({ type }) => ({ type, state: 'COMPLETED' })),
      );
    });

    it('refuses a bad item with 400 naming its field, and writes none of the batch', async () => {
      await withSignedInUser(async (fresh) => {
        const freshToken = await idTokenOf(fresh);
        const answer = await callJobsApi('POST', '/:batchCreate', {
          token: freshToken,
          json: {
            jobs: [
              { type: 'sleep', input: { worktime: 0 } },
              { type: 'sleep', input: { worktime: -1 } },
            ],
          },
        });
        const error = assertError(answer, 400, 'INVALID_ARGUMENT', /jobs\.1\.input\.worktime/);
        assert.equal(error.details?.[0]?.fieldViolations[0]?.field, 'jobs.1.input.worktime');
        const empty = assertError(
          await callJobsApi('POST', '/:batchCreate', { token: freshToken, json: { jobs: [] } }),
          400,
          'INVALID_ARGUMENT',
        );
        assert.equal(empty.details?.[0]?.fieldViolations[0]?.field, 'jobs');
        assert.equal(await countJobsOwnedBy(fresh.uid ?? ''), 0, 'nothing was written');
      });
    });

    it('answers 401 with WWW-Authenticate without a token, and 405 for another method', async () => {
      const json = { jobs: [{ type: 'sleep', input: { worktime: 0 } }] };
      const anonymous = await callJobsApi('POST', '/:batchCreate', { json });
      assertError(anonymous, 401, 'UNAUTHENTICATED');
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer');
      const get = await callJobsApi('GET', '/:batchCreate', { token });
      assertError(get, 405, 'UNIMPLEMENTED');
      assert.equal(get.headers.get('allow'), 'POST');
    });
  });

  describe('auth', () => {
    it('answers 401 with WWW-Authenticate without a token, with a malformed one, or with another scheme', async () => {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: 'Bearer not-a-jwt' },
        { authorization: `Basic ${token}` },
      ];
      for (const headers of attempts) {
        const answer = await callJobsApi('GET', '', { headers });
        assertError(answer, 401, 'UNAUTHENTICATED');
        assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
      }
    });

    it("answers 404 for another user's job and for an id Firestore cannot name, on every route, as for a missing job", async () => {
      const created = await callJobsApi<JobOperation>('POST', '', { token, json: { worktime: 0 } });
      await withSignedInUser(async (other) => {
        const otherToken = await idTokenOf(other);
        for (const [method, path] of [
          ['GET', ''],
          ['GET', ':wait?timeout=0s'],
          ['POST', ':cancel'],
          ['DELETE', ''],
        ] as const) {
          const theirs = await callJobsApi(method, `/${created.body.id}${path}`, { token: otherToken });
          const missing = await callJobsApi(method, `/nosuchjob0000000000${path}`, { token: otherToken });
          const a = assertError(theirs, 404, 'NOT_FOUND');
          const b = assertError(missing, 404, 'NOT_FOUND');
          assert.equal(a.message.replace(created.body.id, 'ID'), b.message.replace('nosuchjob0000000000', 'ID'));
        }
        for (const { name, id } of UNNAMEABLE_JOB_IDS) {
          for (const [method, path] of [
            ['GET', ''],
            ['GET', ':wait?timeout=0s'],
            ['POST', ':cancel'],
            ['DELETE', ''],
          ] as const) {
            const error = assertError(
              await callJobsApi(method, `/${id}${path}`, { token: otherToken }),
              404,
              'NOT_FOUND',
            );
            const missing = await callJobsApi(method, `/nosuchjob0000000000${path}`, { token: otherToken });
            assert.equal(
              error.message.replace(id, 'ID'),
              assertError(missing, 404, 'NOT_FOUND').message.replace('nosuchjob0000000000', 'ID'),
              `${name}: ${method} ${path}`,
            );
          }
        }
        const list = await callJobsApi<{ operations: JobOperation[] }>('GET', '', { token: otherToken });
        assert.deepEqual(list.body.operations, [], "another user's list is empty");
      });
      // Only production shows that a token signed by someone other than Firebase Auth is refused: the Auth
      // emulator's tokens are unsigned and the Admin SDK does not check signatures on the emulator.
    });
  });

  describe('CORS', () => {
    it('answers a browser preflight and allows the Authorization header', async () => {
      const answer = await callJobsApi('OPTIONS', '', {
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      assert.ok(answer.status === 204 || answer.status === 200, String(answer.status));
      assert.equal(answer.headers.get('access-control-allow-origin'), 'https://app.example.com');
      assert.match(answer.headers.get('access-control-allow-headers') ?? '', /authorization/i);
      const get = await callJobsApi('GET', '', { token, headers: { origin: 'https://app.example.com' } });
      assert.equal(get.headers.get('access-control-allow-origin'), 'https://app.example.com');
    });
  });
});
