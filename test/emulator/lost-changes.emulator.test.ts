/**
 * The test clients' watch for the emulator's lost change (test/helpers/lost-changes.ts). The emulator's own race is
 * too rare to provoke, so a client whose network is turned off stands for a listener that left out a change: the
 * server moves on and the listener hears nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { disableNetwork, enableNetwork } from 'firebase/firestore';
import { adminFirestore } from '../helpers/admin';
import { userForSuite, type TestUser } from '../helpers/client';
import { lostChangeRestarts } from '../helpers/lost-changes';
import { watchUntil, type ClientJob } from '../helpers/watch-job';

const FAST = { checkEveryMs: 100, stallMs: 500 };

describe('the lost-change watch of the test clients (emulator)', () => {
  let user: TestUser;
  userForSuite((u) => (user = u));

  /**
   * A RUNNING job of the user's, written with the Admin SDK; the wait on it once its first snapshot came, with the
   * client's network then turned off. A test whose watch restarts nothing turns it back on itself: only once, since
   * a second enableNetwork leaves the client a connection its close does not end, and mocha would never exit.
   */
  async function silencedWait(
    options: Parameters<typeof watchUntil>[3],
  ): Promise<{ id: string; wait: Promise<ClientJob> }> {
    const id = randomUUID();
    await adminFirestore().doc(`jobs/${id}`).set({ owner: user.uid, state: 'RUNNING', done: false });
    let heard: () => void = () => undefined;
    const firstSnapshot = new Promise<void>((resolve) => (heard = resolve));
    const wait = watchUntil(user.firestore, id, (job) => job.done, { ...options, onEach: () => heard() });
    await firstSnapshot;
    await disableNetwork(user.firestore);
    return { id, wait };
  }

  it('restarts the client once the server has held the awaited state, and the listener then ends the wait', async () => {
    const before = lostChangeRestarts();
    const { id, wait } = await silencedWait({ lostChange: FAST });
    await adminFirestore().doc(`jobs/${id}`).update({ state: 'COMPLETED', done: true });
    const job = await wait;
    assert.equal(job.state, 'COMPLETED');
    assert.equal(lostChangeRestarts() - before, 1);
  });

  it('never ends a wait on its own read: with a restart that does nothing, the wait fails at its deadline', async () => {
    let restarts = 0;
    const { id, wait } = await silencedWait({
      deadlineMs: 3_000,
      lostChange: { ...FAST, restart: () => Promise.resolve(void (restarts += 1)) },
    });
    try {
      await adminFirestore().doc(`jobs/${id}`).update({ state: 'COMPLETED', done: true });
      await assert.rejects(wait, /did not reach the awaited condition .*"state":"RUNNING".*restarted [1-9]\d* times/);
      assert.ok(restarts >= 1, `${restarts} restarts`);
    } finally {
      await enableNetwork(user.firestore);
    }
  });

  it('restarts nothing while the server has not reached the awaited state', async () => {
    const before = lostChangeRestarts();
    const { id, wait } = await silencedWait({ deadlineMs: 2_000, lostChange: FAST });
    await adminFirestore()
      .doc(`jobs/${id}`)
      .update({ progress: { percent: 50 } });
    await assert.rejects(wait, /restarted 0 times/);
    assert.equal(lostChangeRestarts() - before, 0);
  });
});
