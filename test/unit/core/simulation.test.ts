/**
 * The simulated platform the core's behaviour tests run on: the simulated clock must fire timers in time order and
 * let promise chains settle between them, a killed process must stop everything it started, and the in-memory
 * queue must lose, drop and duplicate messages exactly as told. If these were wrong, the behaviour tests would
 * prove nothing. (These are the testing kit's clock, process and queue, library/src/testing; the publish now carries
 * the job as sent.)
 */
import assert from 'node:assert/strict';
import type { SentJob } from '@async-jobs/contract';
import { sleep } from '../../../library/src/core/ports/clock';
import { MemoryJobQueue } from '../../../library/src/testing/memory-job-queue';
import { SIMULATION_EPOCH, SimulatedClock } from '../../../library/src/testing/simulated-clock';

describe('simulated clock', () => {
  it('starts at a fixed epoch and stands still until moved', async () => {
    const clock = new SimulatedClock();
    assert.equal(clock.now(), SIMULATION_EPOCH);
    await clock.settle();
    assert.equal(clock.now(), SIMULATION_EPOCH);
    await clock.advance(1500);
    assert.equal(clock.now(), SIMULATION_EPOCH + 1500);
  });

  it('fires timers in time order, and timers due at one instant in the order they were set', async () => {
    const clock = new SimulatedClock({ start: 0 });
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push('c@30'));
    clock.setTimer(10, () => fired.push('a@10'));
    clock.setTimer(10, () => fired.push('b@10'));
    const cancel = clock.setTimer(20, () => fired.push('cancelled'));
    clock.setTimer(-5, () => fired.push(`now@${clock.now()}`));
    cancel();
    assert.equal(clock.pendingTimers, 4);
    await clock.advance(10);
    assert.deepEqual(fired, ['now@0', 'a@10', 'b@10']);
    assert.equal(clock.nextTimerAt(), 30);
    await clock.runUntilIdle();
    assert.deepEqual(fired, ['now@0', 'a@10', 'b@10', 'c@30']);
    assert.equal(clock.now(), 30);
  });

  it('lets promise chains settle between timers, so an async loop on the clock runs to its end', async () => {
    const clock = new SimulatedClock({ start: 0 });
    const times: number[] = [];
    const loop = async () => {
      for (let i = 0; i < 5; i++) {
        await Promise.resolve();
        await sleep(clock, 100);
        await Promise.resolve();
        times.push(clock.now());
      }
    };
    const done = loop();
    await clock.runUntilIdle();
    await done;
    assert.deepEqual(times, [100, 200, 300, 400, 500]);
  });

  it('runs until a condition holds, and fails when the timers run out or the limit passes first', async () => {
    const clock = new SimulatedClock({ start: 0 });
    let ticks = 0;
    const tick = () => {
      ticks += 1;
      clock.setTimer(1000, tick);
    };
    clock.setTimer(1000, tick);
    await clock.runUntil(() => ticks === 3);
    assert.equal(clock.now(), 3000);
    await assert.rejects(
      clock.runUntil(() => false, { limitMs: 10_000 }),
      /does not hold after 10000 ms/,
    );
    await assert.rejects(clock.runUntilIdle({ limitMs: 10_000 }), /still pending/);
    const idle = new SimulatedClock();
    await assert.rejects(
      idle.runUntil(() => false),
      /no timer is left/,
    );
  });

  it('kills a process’s timers, and only its, and never fires one set after the kill', async () => {
    const clock = new SimulatedClock({ start: 0 });
    const process = clock.process();
    const fired: string[] = [];
    process.clock.setTimer(10, () => fired.push('process'));
    const cancelled = process.clock.setTimer(5, () => fired.push('cancelled'));
    cancelled();
    clock.setTimer(10, () => fired.push('other'));
    assert.equal(process.pendingTimers, 1);
    process.kill();
    process.clock.setTimer(1, () => fired.push('after the kill'));
    let stopped = false;
    process.onKill(() => (stopped = true));
    assert.equal(clock.pendingTimers, 1, 'the kill took its timers off the clock');
    await clock.runUntilIdle();
    assert.deepEqual(fired, ['other']);
    assert.equal(stopped, true, 'a hook added after the kill runs at once');
    assert.equal(process.killed, true);
  });

  it('never answers a killed process’s calls', async () => {
    const clock = new SimulatedClock({ start: 0 });
    const process = clock.process();
    let answered = false;
    void process.guard(sleep(clock, 10)).then(() => (answered = true));
    process.kill();
    void process.guard(Promise.resolve()).then(() => (answered = true));
    await clock.runUntilIdle();
    assert.equal(answered, false);
  });
});

/** The job as a message carries it; the queue passes it on untouched. */
const SENT: SentJob = {
  version: 'v1',
  owner: 'u',
  pool: 'standard',
  input: {},
  attempts: 0,
  slot: 0,
  createTime: 0,
  dispatchTime: 0,
};

describe('in-memory job queue', () => {
  it('records what is published and delivers it to the consumer after its delay', async () => {
    const clock = new SimulatedClock({ start: 0 });
    const queue = new MemoryJobQueue(clock);
    const delivered: [string, number][] = [];
    queue.subscribe((m) => delivered.push([m.jobId, clock.now()]), { delayMs: 50 });
    assert.equal(await queue.publish('a', 't', SENT), '1');
    await clock.advance(10);
    await queue.publish('b', 't', SENT);
    await clock.runUntilIdle();
    assert.deepEqual(
      queue.published.map((m) => [m.messageId, m.jobId, m.publishTime]),
      [
        ['1', 'a', 0],
        ['2', 'b', 10],
      ],
    );
    assert.deepEqual(delivered, [
      ['a', 50],
      ['b', 60],
    ]);
    assert.deepEqual(queue.published[0]?.sent, SENT, 'each message carries the job as sent');
    assert.notEqual(queue.published[0]?.sent, SENT, 'a copy, which the publisher cannot change afterwards');
  });

  it('publishes nothing for a killed process, and never answers it', async () => {
    const clock = new SimulatedClock({ start: 0 });
    const queue = new MemoryJobQueue(clock);
    const process = clock.process();
    process.kill();
    let answered = false;
    void queue
      .forProcess(process)
      .publish('late', 't', SENT)
      .then(() => (answered = true));
    await clock.runUntilIdle();
    assert.equal(answered, false);
    assert.deepEqual(queue.published, []);
  });

  it('loses the next publishes as told: rejected (the publisher knows) or dropped (nobody does)', async () => {
    const clock = new SimulatedClock({ start: 0 });
    const queue = new MemoryJobQueue(clock).loseNextPublishes(1, 'reject').loseNextPublishes(1, 'drop');
    const delivered: string[] = [];
    queue.subscribe((m) => delivered.push(m.jobId));
    await assert.rejects(queue.publish('rejected', 't', SENT), /injected/);
    assert.equal(await queue.publish('dropped', 't', SENT), '1');
    await queue.publish('delivered', 't', SENT);
    await clock.runUntilIdle();
    assert.deepEqual(delivered, ['delivered']);
    assert.deepEqual(
      queue.rejected.map((r) => r.jobId),
      ['rejected'],
    );
    assert.deepEqual(
      queue.dropped.map((m) => m.jobId),
      ['dropped'],
    );
  });

  it('delivers the next publishes more than once, at once or late', async () => {
    const clock = new SimulatedClock({ start: 0 });
    const queue = new MemoryJobQueue(clock).duplicateNextPublishes(1).duplicateNextPublishes(1, {
      copies: 2,
      delayMs: 100,
    });
    const delivered: [string, number][] = [];
    queue.subscribe((m) => delivered.push([m.jobId, clock.now()]));
    await queue.publish('at once', 't', SENT);
    await queue.publish('late', 't', SENT);
    await queue.publish('once', 't', SENT);
    await clock.runUntilIdle();
    assert.deepEqual(delivered, [
      ['at once', 0],
      ['at once', 0],
      ['late', 0],
      ['once', 0],
      ['late', 100],
      ['late', 100],
    ]);
  });

  it('keeps deliveries until a consumer comes, and keeps what a consumer throws', async () => {
    const clock = new SimulatedClock({ start: 0 });
    const queue = new MemoryJobQueue(clock);
    await queue.publish('taken by hand', 't', SENT);
    assert.deepEqual(
      queue.takeWaiting().map((m) => m.jobId),
      ['taken by hand'],
    );
    await queue.publish('waited', 't', SENT);
    const delivered: string[] = [];
    queue.subscribe((m) => {
      delivered.push(m.jobId);
      return Promise.reject(new Error('the consumer failed'));
    });
    await clock.runUntilIdle();
    assert.deepEqual(delivered, ['waited']);
    assert.equal(queue.consumerErrors.length, 1, 'a consumer’s failure is kept, not thrown away');
  });
});
