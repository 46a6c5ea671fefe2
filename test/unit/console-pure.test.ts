/**
 * The operator console's small rules, pure: who is an operator (the functions, the page and `npm run grant-admin`
 * all mean `admin: true` exactly, as the security rules do), what grant-admin sets, and a job's history as its
 * document tells it.
 */
import assert from 'node:assert/strict';
import { Timestamp } from 'firebase/firestore';
import type { Job } from '@async-jobs/client';
import { hasOperatorClaim } from '../../library/src/entry/operator-claim';
import { isOperator } from '../../web/src/admin/operator-claim';
import { documentJson, jobHistory } from '../../web/src/admin/job-history';
import { claimsWith, projectOf, userOf } from '../../scripts/lib/operator-claims.mjs';

describe('operator claim', () => {
  for (const [where, check] of [
    ['the functions (hasOperatorClaim)', hasOperatorClaim],
    ['the console page (isOperator)', isOperator],
  ] as const) {
    it(`is admin: true exactly, in ${where}`, () => {
      assert.equal(check({ admin: true }), true);
      assert.equal(check({ admin: true, other: 1 }), true);
      for (const claims of [undefined, {}, { admin: false }, { admin: 'true' }, { admin: 1 }, { admin: {} }]) {
        assert.equal(check(claims), false, JSON.stringify(claims));
      }
    });
  }
});

describe('npm run grant-admin', () => {
  it('names a user by email when the argument has an @, else by uid, and needs one', () => {
    assert.deepEqual(userOf('ops@example.com'), { email: 'ops@example.com' });
    assert.deepEqual(userOf(' Xy12uid '), { uid: 'Xy12uid' });
    assert.throws(() => userOf(undefined), /name the user/);
    assert.throws(() => userOf('  '), /name the user/);
  });

  it("adds or removes only admin, keeping the user's other claims", () => {
    assert.deepEqual(claimsWith(undefined, true), { admin: true });
    assert.deepEqual(claimsWith({ plan: 'pro', admin: false }, true), { plan: 'pro', admin: true });
    assert.deepEqual(claimsWith({ plan: 'pro', admin: true }, false), { plan: 'pro' });
  });

  it('acts on a named project, the demo project only on the emulator, and never on a guess', () => {
    assert.equal(projectOf('prod-1', {}), 'prod-1');
    assert.equal(projectOf(undefined, { GCLOUD_PROJECT: 'p2' }), 'p2');
    assert.equal(projectOf(undefined, { FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099' }), 'demo-async-jobs');
    assert.throws(() => projectOf(undefined, {}), /name the project/);
  });
});

describe('console: a job’s history', () => {
  const at = (ms: number) => Timestamp.fromMillis(ms);
  const base = {
    owner: 'user-1',
    type: 'sleep',
    input: { worktime: 1 },
    createTime: at(1_000),
    updateTime: at(1_000),
    startTime: null,
    doneTime: null,
  };

  it('tells a failed job: created, its last attempt, its end with the error', () => {
    const job = {
      ...base,
      state: 'FAILED',
      done: true,
      attempts: 3,
      startTime: at(5_000),
      doneTime: at(6_000),
      error: { code: 'internal', message: 'boom' },
    } as Job;
    assert.deepEqual(jobHistory(job), [
      { time: 1_000, text: 'created by user-1' },
      { time: 5_000, text: 'attempt 3 started (3 claimed by a worker)' },
      { time: 6_000, text: 'ended FAILED: internal: boom' },
    ]);
  });

  it('tells a retry what it retries, a queued retry its last error, and its steps', () => {
    const job = {
      ...base,
      state: 'CREATED',
      done: false,
      attempts: 1,
      retryOf: 'job-0',
      steps: ['fetch'],
      startTime: at(2_000),
      updateTime: at(3_000),
      error: { code: 'unavailable', message: 'try later' },
    } as Job;
    assert.deepEqual(jobHistory(job), [
      { time: 1_000, text: "created by an operator's retry of job-0" },
      { time: 2_000, text: 'attempt 1 started (1 claimed by a worker)' },
      { time: undefined, text: 'step fetch done' },
      { time: 3_000, text: 'attempt failed for now: unavailable: try later' },
    ]);
  });
});

describe('console: a job’s document', () => {
  it('shows times as ISO 8601, nested ones too, and every other value as JSON', () => {
    const text = documentJson({
      state: 'FAILED',
      doneTime: Timestamp.fromMillis(Date.UTC(2026, 0, 2, 3, 4, 5)),
      error: { code: 'internal', at: Timestamp.fromMillis(0) },
      startTime: null,
    });
    assert.deepEqual(JSON.parse(text), {
      state: 'FAILED',
      doneTime: '2026-01-02T03:04:05.000Z',
      error: { code: 'internal', at: '1970-01-01T00:00:00.000Z' },
      startTime: null,
    });
  });
});
