/**
 * decideRecovery is the sweep's judgement on one job, decided on the job as read and written fenced on that read.
 * A wrong 'republish' or 'retry' runs a job twice; a wrong 'none' leaves it stuck CREATED or RUNNING forever.
 * Since the one-protocol rewrite a CREATED job whose owner asked to cancel it is cancelled, and a CREATED job
 * without a dispatch time is one waiting for a slot (a dispatch sends it), no longer one long overdue.
 */
import assert from 'node:assert/strict';
import { JOB_STATES } from '../../library/src/core/job-states';
import { decideRecovery, type RecoveryTimings } from '../../library/src/core/recovery';
import { DEFAULT_RETRY_POLICY, retryPolicy } from '../../library/src/core/retry-policy';

const NOW = 1_700_000_000_000;
const timings: RecoveryTimings = { dispatchGraceMs: 60_000 };
const policy = DEFAULT_RETRY_POLICY;

function decide(job: Parameters<typeof decideRecovery>[0], now = NOW) {
  return decideRecovery(job, policy, now, timings);
}

describe('decideRecovery', () => {
  describe('a CREATED job', () => {
    it('is left alone within the grace after its dispatch time (its message may still be on its way)', () => {
      assert.equal(decide({ state: 'CREATED', attempts: 0, dispatchTime: NOW - 1_000 }), 'none');
      assert.equal(decide({ state: 'CREATED', attempts: 0, dispatchTime: NOW }), 'none');
    });

    it('is left alone exactly at the end of the grace, and re-published 1 ms after it', () => {
      assert.equal(decide({ state: 'CREATED', attempts: 0, dispatchTime: NOW - timings.dispatchGraceMs }), 'none');
      const lost = { state: 'CREATED', attempts: 0, dispatchTime: NOW - timings.dispatchGraceMs - 1 } as const;
      assert.equal(decide(lost), 'republish');
    });

    it('is re-published long after its dispatch time', () => {
      assert.equal(decide({ state: 'CREATED', attempts: 0, dispatchTime: NOW - 3_600_000 }), 'republish');
    });

    it('waiting for a retry (attempts > 0) with a dispatch time in the future is left alone', () => {
      assert.equal(decide({ state: 'CREATED', attempts: 1, dispatchTime: NOW + 30_000 }), 'none');
    });

    it('waiting for a retry is re-published once its dispatch time is past the grace, even on its last attempt', () => {
      const queued = { state: 'CREATED', attempts: 2, dispatchTime: NOW - timings.dispatchGraceMs - 1 } as const;
      assert.equal(decide(queued), 'republish');
    });

    it('waiting for a slot (no dispatch time, or waiting) is left alone: it has no message to lose', () => {
      assert.equal(decide({ state: 'CREATED', attempts: 0 }), 'none');
      assert.equal(decide({ state: 'CREATED', attempts: 0, dispatchTime: null }), 'none');
      const waiting = { state: 'CREATED', attempts: 0, waiting: true, dispatchTime: NOW - 3_600_000 } as const;
      assert.equal(decide(waiting), 'none');
    });

    it('sent and no longer waiting is re-published past the grace', () => {
      const sent = { state: 'CREATED', attempts: 0, waiting: false, dispatchTime: NOW - 3_600_000 } as const;
      assert.equal(decide(sent), 'republish');
    });

    it('whose owner asked to cancel it is cancelled, whether sent, waiting or within the grace', () => {
      for (const job of [
        { state: 'CREATED', attempts: 0, cancelRequested: true, dispatchTime: NOW },
        { state: 'CREATED', attempts: 1, cancelRequested: true, dispatchTime: NOW - 3_600_000 },
        { state: 'CREATED', attempts: 0, cancelRequested: true, waiting: true, dispatchTime: null },
      ] as const) {
        assert.equal(decide(job), 'cancel', JSON.stringify(job));
      }
    });

    it('with cancelRequested false behaves like one without it', () => {
      assert.equal(decide({ state: 'CREATED', attempts: 0, cancelRequested: false, dispatchTime: NOW }), 'none');
    });
  });

  describe('a RUNNING job', () => {
    it('whose lease has not expired is left alone (its worker is alive)', () => {
      assert.equal(decide({ state: 'RUNNING', attempts: 1, leaseExpireTime: NOW + 1 }), 'none');
      assert.equal(decide({ state: 'RUNNING', attempts: 3, leaseExpireTime: NOW + 60_000 }), 'none');
    });

    it('whose lease has not expired is left alone even with a cancel request (its worker acts on it)', () => {
      const job = { state: 'RUNNING', attempts: 1, cancelRequested: true, leaseExpireTime: NOW + 1 } as const;
      assert.equal(decide(job), 'none');
    });

    it('whose lease expired with attempts left is retried', () => {
      assert.equal(decide({ state: 'RUNNING', attempts: 1, leaseExpireTime: NOW - 1 }), 'retry');
      assert.equal(decide({ state: 'RUNNING', attempts: 2, leaseExpireTime: NOW - 1 }), 'retry');
    });

    it('whose lease expires exactly now counts as expired', () => {
      assert.equal(decide({ state: 'RUNNING', attempts: 1, leaseExpireTime: NOW }), 'retry');
    });

    it('whose lease expired on its last attempt (attempts = maxAttempts) fails', () => {
      const job = { state: 'RUNNING', attempts: policy.maxAttempts, leaseExpireTime: NOW - 1 } as const;
      assert.equal(decide(job), 'fail');
      assert.equal(decide({ ...job, attempts: policy.maxAttempts + 1 }), 'fail');
    });

    it("uses the task's policy: a task with maxAttempts 1 fails at once, one with 5 is retried at attempt 4", () => {
      const job = { state: 'RUNNING', attempts: 1, leaseExpireTime: NOW - 1 } as const;
      assert.equal(decideRecovery(job, retryPolicy({ maxAttempts: 1 }), NOW, timings), 'fail');
      assert.equal(decideRecovery({ ...job, attempts: 4 }, retryPolicy({ maxAttempts: 5 }), NOW, timings), 'retry');
      assert.equal(decideRecovery({ ...job, attempts: 5 }, retryPolicy({ maxAttempts: 5 }), NOW, timings), 'fail');
    });

    it('whose lease expired with a cancel request is cancelled, whether or not attempts are left', () => {
      for (const attempts of [1, policy.maxAttempts]) {
        const job = { state: 'RUNNING', attempts, cancelRequested: true, leaseExpireTime: NOW - 1 } as const;
        assert.equal(decide(job), 'cancel', `attempts ${attempts}`);
      }
    });

    it('with cancelRequested false behaves like one without it', () => {
      const job = { state: 'RUNNING', attempts: 1, cancelRequested: false, leaseExpireTime: NOW - 1 } as const;
      assert.equal(decide(job), 'retry');
    });

    it('without a lease is left alone', () => {
      assert.equal(decide({ state: 'RUNNING', attempts: 1 }), 'none');
    });

    it('ignores the dispatch time (only the lease counts once claimed)', () => {
      const job = { state: 'RUNNING', attempts: 1, dispatchTime: 0, leaseExpireTime: NOW + 1 } as const;
      assert.equal(decide(job), 'none');
    });
  });

  describe('a terminal job', () => {
    for (const state of ['COMPLETED', 'FAILED', 'CANCELLED'] as const) {
      it(`${state} is left alone whatever its other fields say`, () => {
        const stale: Parameters<typeof decideRecovery>[0] = {
          state,
          attempts: 1,
          cancelRequested: true,
          dispatchTime: 0,
          leaseExpireTime: 0,
        };
        assert.equal(decide(stale), 'none');
        assert.equal(decide({ state, attempts: policy.maxAttempts, leaseExpireTime: NOW - 1 }), 'none');
      });
    }
  });

  it('acts only on CREATED and RUNNING jobs', () => {
    const acted = JOB_STATES.filter(
      (state) => decide({ state, attempts: 1, dispatchTime: 0, leaseExpireTime: 0 }) !== 'none',
    );
    assert.deepEqual(acted, ['CREATED', 'RUNNING']);
  });
});
