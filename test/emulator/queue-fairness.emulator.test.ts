/**
 * Fairness through the real triggers: one user floods the standard pool with three times its capacity of jobs,
 * then another user creates one job. The flood's extra jobs wait, visibly (CREATED, `waitReason: capacity`); the
 * other user's job does not queue behind them: it takes one of the next free slots. Under first come, first
 * served it would start after every job of the flood created before it. Asserted as an order of dispatches (the
 * times jobs were given a slot), never as a duration. A job that waited gets its slot from the job that ends before
 * it, in that job's end (its `dispatchTime` is that commit's time), not from a dispatch after the end.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { doc, getDoc } from 'firebase/firestore';
import { httpsCallable } from 'firebase/functions';
import { adminFirestore } from '../helpers/admin';
import { createTryingAgain, userForSuite, type TestUser } from '../helpers/client';
import { standardPoolCapacity } from '../helpers/function-params';
import { watchUntilDone, type ClientJob } from '../helpers/watch-job';

/**
 * Seconds each job of the flood takes: long enough that every slot is still busy with the flood's first jobs, and
 * the rest still wait, once the emulator has served all the flood's creates (their callables start slowly).
 */
const FLOOD_WORKTIME = 15;
const DEADLINE_MS = 120_000;

/** Polls the server until `check` holds or the deadline passes; the last value it saw. */
async function pollUntil<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    assert.ok(Date.now() < deadline, `${what} within ${DEADLINE_MS / 1000} s`);
    await delay(250);
  }
}

describe('fair execution: a flood does not delay another user’s job (emulator)', () => {
  let heavy: TestUser;
  let light: TestUser;
  userForSuite((u) => (heavy = u));
  userForSuite((u) => (light = u));

  it('starts the other user’s job in one of the next free slots, ahead of the flood it came after', async function () {
    this.timeout(DEADLINE_MS * 3);
    const capacity = standardPoolCapacity();
    const flood = await Promise.all(
      Array.from({ length: 3 * capacity }, () =>
        createTryingAgain(heavy, { type: 'sleep', input: { worktime: FLOOD_WORKTIME } }),
      ),
    );
    const floodIds = flood.map((created) => created.id);
    const jobs = adminFirestore().collection('jobs');
    const byState = async () => {
      const snaps = await adminFirestore().getAll(...floodIds.map((id) => jobs.doc(id)));
      return {
        running: snaps.filter((s) => s.get('state') === 'RUNNING').length,
        waiting: snaps.filter((s) => s.get('waiting') === true).map((s) => s.id),
      };
    };
    // Every slot busy with the flood, and the rest of it waiting.
    const before = await pollUntil(
      byState,
      (s) => s.running === capacity && s.waiting.length >= capacity,
      `${capacity} of the flood RUNNING and as many waiting`,
    );

    // A waiting job says so, to its owner, through the client SDK and the security rules.
    const seen = (await getDoc(doc(heavy.firestore, 'jobs', before.waiting[0] ?? ''))).data() as ClientJob;
    assert.equal(seen.state, 'CREATED');
    assert.equal(seen.waiting, true);
    assert.equal(seen.waitReason, 'capacity');

    const { id: lightId } = await light.createJob({ type: 'sleep', input: { worktime: 0 } });
    const { final: lightJob } = await watchUntilDone(light.firestore, lightId, DEADLINE_MS);
    assert.equal(lightJob.state, 'COMPLETED');
    const lightCreated = lightJob.createTime.toMillis();
    const lightDispatched = lightJob.dispatchTime?.toMillis() ?? Infinity;

    // Every dispatch before the other user's job got its slot is committed by now: a flood job not dispatched yet
    // can only be after it, so the flood need not end first. Dispatches, not starts: the slots of the flood's first
    // jobs free at about the same moment, and once each has its job, which worker process starts first is the
    // emulator's chance.
    const flooded = await adminFirestore().getAll(...floodIds.map((id) => jobs.doc(id)));
    const dispatchedInBetween = flooded.filter((s) => {
      const dispatched = (s.get('dispatchTime') as { toMillis(): number } | null)?.toMillis() ?? 0;
      return dispatched > lightCreated && dispatched < lightDispatched;
    }).length;
    const waitingWhenCreated = before.waiting.length;
    // First come, first served would send every waiting job of the flood first: two rounds of the slots the
    // flood's first jobs free. The fair queue sends the other user's job in the first round (its rank is the
    // lowest or ties with the flood's lowest): each flood job that ends hands its slot, in the commit that ends
    // it, to the lowest rank waiting, among equal ranks one at random, so up to a round less one of the flood can
    // go before it. The rest of the flood would hold every slot for the next tests.
    const cancel = httpsCallable(heavy.functions, 'cancelJob');
    await Promise.allSettled(floodIds.map((id) => cancel({ id })));
    assert.ok(
      dispatchedInBetween < capacity,
      `${dispatchedInBetween} of the ${waitingWhenCreated} waiting flood jobs were sent to a slot between the other ` +
        `user's create and its own dispatch`,
    );
  });
});
