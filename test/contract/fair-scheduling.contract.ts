/**
 * The repository contract's fair scheduling (README "Fairness", core/scheduling): exact admission against the
 * owner's limit however many creates race, ranks in each pool's fair queue, the dispatch of waiting jobs to at
 * most `capacity` worker slots, what a job gives back when it ends, and the owners' wait places. Run inside
 * jobRepositoryContract, so every adapter is held to it.
 */
import assert from 'node:assert/strict';
import type { Job } from '../../library/src/core/job';
import type { CreateResult, DispatchResult, JobRepository } from '../../library/src/core/ports/job-repository';
import {
  admission,
  contractJobs,
  LEASE_MS,
  newPool,
  RETENTION_DAYS,
  SLEEP_REQUEST,
  type JobRepositorySubject,
  type RunningJob,
} from './contract-subject';

/** The ways a job ends, each of which gives back its owner's admission room and its slot in the same commit. */
const ENDINGS: ReadonlyArray<readonly [string, (jobs: JobRepository, job: RunningJob, now: number) => Promise<void>]> =
  [
    [
      'the worker’s finish',
      async (jobs, { at }, now) => {
        const written = await jobs.finish(at, { state: 'COMPLETED', result: 1 }, now, RETENTION_DAYS);
        assert.equal(written.written, true);
      },
    ],
    [
      'the sweep’s fail',
      async (jobs, { id }, now) => {
        assert.equal((await jobs.recoverJob(id, now, RETENTION_DAYS, () => 'fail'))?.action, 'fail');
      },
    ],
    [
      'the sweep’s cancel',
      async (jobs, { id, owner }, now) => {
        assert.equal((await jobs.cancel(id, owner, now, RETENTION_DAYS)).kind, 'cancel-requested');
        assert.equal((await jobs.recoverJob(id, now, RETENTION_DAYS, () => 'cancel'))?.action, 'cancel');
      },
    ],
  ];

/** Defines the fair scheduling cases; `current` gives the subject of the running test. */
export function fairSchedulingContract(current: () => JobRepositorySubject): void {
  describe('fair scheduling', () => {
    let subject: JobRepositorySubject;
    let jobs: JobRepository;
    let made: ReturnType<typeof contractJobs>;

    beforeEach(() => {
      subject = current();
      jobs = subject.repository;
      made = contractJobs(subject);
    });

    /** Creates a job of `owner` in `pool` under `limit`, answering its id and the create's answer. */
    async function create(owner: string, pool: string, limit: number): Promise<{ id: string; result: CreateResult }> {
      const id = jobs.newJobId();
      return { id, result: await jobs.create(id, owner, SLEEP_REQUEST, admission(limit, pool)) };
    }

    /** Creates `count` jobs of `owner` in `pool`, one after the other; answers their ids in order. */
    async function queued(owner: string, pool: string, count: number): Promise<string[]> {
      const ids: string[] = [];
      for (let n = 0; n < count; n++) ids.push(await made.queuedJob(owner, pool));
      return ids;
    }

    /** The stored jobs' ranks. */
    async function ranks(ids: readonly string[]): Promise<number[]> {
      const found: number[] = [];
      for (const id of ids) {
        const rank = (await made.stored(id)).rank;
        assert.equal(typeof rank, 'number', `job ${id} has a rank`);
        found.push(rank as number);
      }
      return found;
    }

    /** Dispatches `pool`'s waiting jobs until none is dispatched; answers the ids dispatched, in order. */
    async function dispatchAll(pool: string, capacity: number): Promise<string[]> {
      const ids: string[] = [];
      for (;;) {
        const result = await jobs.dispatchNext(pool, capacity, subject.now());
        if (result.kind !== 'dispatched') return ids;
        ids.push(result.jobId);
      }
    }

    /** Claims a dispatched job; answers its attempt. */
    async function claim(id: string, owner: string, pool: string): Promise<RunningJob> {
      const claimed = await jobs.claim(id, subject.now(), LEASE_MS);
      assert.ok(claimed.claimed, `job ${id} is claimed`);
      return { id, owner, pool, at: claimed.attempt };
    }

    describe('admission', () => {
      it('admits exactly the limit of 25 concurrent creates by one owner, refuses the rest, and loses none', async () => {
        const owner = subject.newOwner();
        const pool = newPool();
        const creates = await Promise.all(Array.from({ length: 25 }, () => create(owner, pool, 7)));
        const created = creates.filter(({ result }) => result.kind === 'created');
        const refused = creates.filter(({ result }) => result.kind === 'quota-exceeded');
        assert.equal(created.length, 7, 'exactly the limit is admitted');
        assert.equal(refused.length, 18, 'every other create is refused');
        for (const { result } of refused) assert.deepEqual(result, { kind: 'quota-exceeded', active: 7 });
        for (const { id } of created) assert.equal((await made.stored(id)).state, 'CREATED');
        for (const { id } of refused)
          assert.equal(await subject.readJob(id), undefined, 'a refused create writes nothing');
        const listed = await jobs.listByOwner(owner, 100);
        assert.deepEqual(new Set(listed.jobs.map((j) => j.id)), new Set(created.map((c) => c.id)));
      });

      it('holds a limit over 16 (more than one job a shard), and finds the one shard with room after an end', async () => {
        const owner = subject.newOwner();
        const pool = newPool();
        const ids = await Promise.all(Array.from({ length: 20 }, () => made.queuedJob(owner, pool, 20)));
        assert.equal((await create(owner, pool, 20)).result.kind, 'quota-exceeded');
        // One job ends: only its shard has room, and the next create, whatever shard it tries first, finds it.
        const ended = ids[7];
        assert.equal((await jobs.cancel(ended, owner, subject.now(), RETENTION_DAYS)).kind, 'cancelled');
        const again = await create(owner, pool, 20);
        assert.deepEqual(again.result, { kind: 'created' });
        assert.equal((await made.stored(again.id)).admissionShard, (await made.stored(ended)).admissionShard);
        assert.deepEqual((await create(owner, pool, 20)).result, { kind: 'quota-exceeded', active: 20 });
      });

      it('counts racing repeats of one requestId once', async () => {
        const owner = subject.newOwner();
        const pool = newPool();
        const request = { ...SLEEP_REQUEST, requestId: crypto.randomUUID() };
        const id = jobs.newJobId();
        const repeats = await Promise.all(
          Array.from({ length: 5 }, () => jobs.create(id, owner, request, admission(2, pool))),
        );
        assert.equal(repeats.filter((r) => r.kind === 'created').length, 1);
        assert.deepEqual((await create(owner, pool, 2)).result, { kind: 'created' }, 'the second place is free');
        assert.deepEqual((await create(owner, pool, 2)).result, { kind: 'quota-exceeded', active: 2 });
      });

      it('gives the room back when the owner cancels a queued job, waiting or dispatched', async () => {
        const owner = subject.newOwner();
        const pool = newPool();
        const waiting = await made.queuedJob(owner, pool, 1);
        assert.equal((await create(owner, pool, 1)).result.kind, 'quota-exceeded');
        assert.equal((await jobs.cancel(waiting, owner, subject.now(), RETENTION_DAYS)).kind, 'cancelled');
        const dispatched = (await create(owner, pool, 1)).id;
        assert.deepEqual(await dispatchAll(pool, 1), [dispatched]);
        assert.equal((await create(owner, pool, 1)).result.kind, 'quota-exceeded');
        assert.equal((await jobs.cancel(dispatched, owner, subject.now(), RETENTION_DAYS)).kind, 'cancelled');
        const job = await made.stored(dispatched);
        assert.equal(job.slot, null, 'its slot is given back');
        const next = await create(owner, pool, 1);
        assert.deepEqual(next.result, { kind: 'created' });
        assert.deepEqual(await dispatchAll(pool, 1), [next.id], 'the slot is free again');
      });

      for (const [ending, end] of ENDINGS) {
        it(`gives the room and the slot back in ${ending}`, async () => {
          const owner = subject.newOwner();
          const pool = newPool();
          const first = await create(owner, pool, 1);
          assert.deepEqual(await dispatchAll(pool, 1), [first.id]);
          const running = await claim(first.id, owner, pool);
          assert.equal((await create(owner, pool, 1)).result.kind, 'quota-exceeded', 'the owner is at the limit');
          const other = await made.queuedJob(subject.newOwner(), pool);
          assert.deepEqual(await jobs.dispatchNext(pool, 1, subject.now()), { kind: 'no-free-slot' });

          await end(jobs, running, subject.now());
          const ended = await made.stored(first.id);
          assert.equal(ended.done, true);
          assert.equal(ended.slot, null, 'the job holds no slot');
          // In a pool of its own, so the dispatch below finds the other owner's job alone.
          assert.deepEqual((await create(owner, newPool(), 1)).result, { kind: 'created' }, 'room for the owner');
          assert.deepEqual(await jobs.dispatchNext(pool, 1, subject.now()), {
            kind: 'dispatched',
            jobId: other,
            type: 'sleep',
          });
        });
      }

      it('gives nothing back for a refused write: a superseded attempt’s finish', async () => {
        const owner = subject.newOwner();
        const pool = newPool();
        const first = await create(owner, pool, 1);
        await dispatchAll(pool, 1);
        const stale = await claim(first.id, owner, pool);
        const slot = (await made.stored(first.id)).slot;
        // The sweep takes the job back (its lease lapsed) and a second worker claims it.
        assert.equal((await jobs.recoverJob(first.id, subject.now(), RETENTION_DAYS, () => 'retry'))?.action, 'retry');
        const current = await claim(first.id, owner, pool);
        const late = await jobs.finish(stale.at, { state: 'COMPLETED', result: 'late' }, subject.now(), RETENTION_DAYS);
        assert.equal(late.written, false);
        assert.equal((await create(owner, pool, 1)).result.kind, 'quota-exceeded', 'still counted');
        await made.queuedJob(subject.newOwner(), pool);
        assert.deepEqual(await jobs.dispatchNext(pool, 1, subject.now()), { kind: 'no-free-slot' }, 'slot still held');
        assert.equal((await made.stored(first.id)).slot, slot);

        await jobs.finish(current.at, { state: 'COMPLETED', result: 'mine' }, subject.now(), RETENTION_DAYS);
        assert.deepEqual((await create(owner, pool, 1)).result, { kind: 'created' });
      });

      it('keeps the count when a done job is deleted', async () => {
        const owner = subject.newOwner();
        const pool = newPool();
        const first = await made.queuedJob(owner, pool, 1);
        await jobs.cancel(first, owner, subject.now(), RETENTION_DAYS);
        await made.queuedJob(owner, pool, 1);
        assert.deepEqual(await jobs.deleteIfDone(first, owner), { kind: 'deleted' });
        assert.deepEqual((await create(owner, pool, 1)).result, { kind: 'quota-exceeded', active: 1 });
      });
    });

    describe('ranks', () => {
      it('ranks an owner’s jobs one after another, and another owner’s first job with the flood’s first', async () => {
        const pool = newPool();
        const flood = await queued(subject.newOwner(), pool, 5);
        const [single] = await queued(subject.newOwner(), pool, 1);
        const floodRanks = await ranks(flood);
        for (let n = 1; n < floodRanks.length; n++) {
          assert.equal(floodRanks[n], floodRanks[n - 1] + 1, 'each one more than the owner’s last waiting job');
        }
        const [singleRank] = await ranks([single]);
        assert.ok(singleRank <= floodRanks[1], `rank ${singleRank} is not behind the flood’s second job`);
      });

      it('starts a returning owner, and a new one, at the frontier: the highest rank dispatched', async () => {
        const pool = newPool();
        const owner = subject.newOwner();
        const earlier = await queued(owner, pool, 4);
        assert.deepEqual(new Set(await dispatchAll(pool, 10)), new Set(earlier));
        const frontier = Math.max(...(await ranks(earlier)));
        const [returning] = await queued(owner, pool, 1);
        const [newcomer] = await queued(subject.newOwner(), pool, 1);
        assert.deepEqual(await ranks([returning, newcomer]), [frontier, frontier]);
      });

      it('does not move the frontier for a job cancelled while it waited (it was never dispatched)', async () => {
        const pool = newPool();
        const owner = subject.newOwner();
        const flood = await queued(owner, pool, 5);
        const [first] = await dispatchAll(pool, 1);
        assert.equal(first, flood[0]);
        const frontier = (await ranks([first]))[0];
        assert.equal((await jobs.cancel(flood[4], owner, subject.now(), RETENTION_DAYS)).kind, 'cancelled');
        const [newcomer] = await queued(subject.newOwner(), pool, 1);
        assert.deepEqual(await ranks([newcomer]), [frontier]);
      });
    });

    describe('dispatchNext', () => {
      it('dispatches the waiting job with the lowest rank first (then the lowest id), each once', async () => {
        const pool = newPool();
        const waiting = [
          ...(await queued(subject.newOwner(), pool, 3)),
          ...(await queued(subject.newOwner(), pool, 2)),
          ...(await queued(subject.newOwner(), pool, 1)),
        ];
        const order = await dispatchAll(pool, 10);
        assert.deepEqual(new Set(order), new Set(waiting), 'every waiting job, once');
        assert.equal(order.length, waiting.length);
        const keys = await ranks(order);
        for (let n = 1; n < order.length; n++) {
          const inOrder = keys[n - 1] < keys[n] || (keys[n - 1] === keys[n] && order[n - 1] < order[n]);
          assert.ok(inOrder, `${order[n - 1]} (rank ${keys[n - 1]}) goes before ${order[n]} (rank ${keys[n]})`);
        }
        assert.deepEqual(await jobs.dispatchNext(pool, 10, subject.now()), { kind: 'none-waiting' });
      });

      it('gives the job a slot: no longer waiting, its dispatch time now, the slot below the capacity', async () => {
        const pool = newPool();
        const id = await made.queuedJob(subject.newOwner(), pool);
        const created = await made.stored(id);
        const now = subject.now();
        assert.deepEqual(await jobs.dispatchNext(pool, 3, now), { kind: 'dispatched', jobId: id, type: 'sleep' });
        const job = await made.stored(id);
        assert.equal(job.state, 'CREATED');
        assert.equal(job.waiting, false);
        assert.equal(job.waitReason ?? null, null);
        assert.ok(job.slot === 0 || job.slot === 1 || job.slot === 2, `slot ${job.slot} is below the capacity`);
        assert.equal(job.dispatchTime, now);
        assert.ok(job.updateTime >= created.updateTime);
        assert.equal(job.rank, created.rank);
      });

      it('never gives more slots than the capacity, nor one slot or one job twice, to concurrent dispatches', async () => {
        const pool = newPool();
        const waiting = await queued(subject.newOwner(), pool, 6);
        const results = await Promise.all(Array.from({ length: 10 }, () => jobs.dispatchNext(pool, 3, subject.now())));
        const dispatched = results.filter((r): r is DispatchResult & { kind: 'dispatched' } => r.kind === 'dispatched');
        assert.equal(dispatched.length, 3);
        assert.ok(results.every((r) => r.kind === 'dispatched' || r.kind === 'no-free-slot'));
        const ids = dispatched.map((r) => r.jobId);
        assert.equal(new Set(ids).size, 3, 'three different jobs');
        assert.ok(ids.every((id) => waiting.includes(id)));
        const slots = await Promise.all(ids.map(async (id) => (await made.stored(id)).slot));
        assert.deepEqual([...slots].sort(), [0, 1, 2], 'three different slots, all below the capacity');
      });

      it('answers none-waiting when no job waits, and no-free-slot when every slot is held', async () => {
        const pool = newPool();
        assert.deepEqual(await jobs.dispatchNext(pool, 2, subject.now()), { kind: 'none-waiting' });
        await queued(subject.newOwner(), pool, 3);
        assert.equal((await dispatchAll(pool, 2)).length, 2);
        assert.deepEqual(await jobs.dispatchNext(pool, 2, subject.now()), { kind: 'no-free-slot' });
        assert.deepEqual(await jobs.dispatchNext(pool, 0, subject.now()), { kind: 'no-free-slot' });
      });

      it('reuses a slot its job gave back when it ended', async () => {
        const pool = newPool();
        const owner = subject.newOwner();
        const [first, second] = await queued(owner, pool, 2);
        assert.deepEqual(await dispatchAll(pool, 1), [first]);
        const slot = (await made.stored(first)).slot;
        const running = await claim(first, owner, pool);
        await jobs.finish(running.at, { state: 'COMPLETED', result: 1 }, subject.now(), RETENTION_DAYS);
        assert.deepEqual(await dispatchAll(pool, 1), [second]);
        assert.equal((await made.stored(second)).slot, slot);
      });

      it('gives no slot at or above a lowered capacity, though its job keeps it until it ends', async () => {
        const pool = newPool();
        const owner = subject.newOwner();
        const running = await queued(owner, pool, 3);
        assert.equal((await dispatchAll(pool, 3)).length, 3);
        const holders = new Map<number, string>();
        for (const id of running) holders.set((await made.stored(id)).slot as number, id);
        assert.deepEqual([...holders.keys()].sort(), [0, 1, 2]);
        const [waiting] = await queued(subject.newOwner(), pool, 1);

        // The capacity drops to 2: the job in slot 2 runs on, and when it ends its slot is not given again.
        const high = holders.get(2) as string;
        assert.equal((await jobs.cancel(high, owner, subject.now(), RETENTION_DAYS)).kind, 'cancelled');
        assert.deepEqual(await jobs.dispatchNext(pool, 2, subject.now()), { kind: 'no-free-slot' });
        const low = holders.get(0) as string;
        assert.equal((await jobs.cancel(low, owner, subject.now(), RETENTION_DAYS)).kind, 'cancelled');
        assert.deepEqual(await jobs.dispatchNext(pool, 2, subject.now()), {
          kind: 'dispatched',
          jobId: waiting,
          type: 'sleep',
        });
        assert.equal((await made.stored(waiting)).slot, 0);
      });
    });

    describe('claims and retries', () => {
      it('refuses to claim a job still waiting for a slot, and writes nothing', async () => {
        const id = await made.queuedJob();
        const before = await jobs.read(id);
        assert.deepEqual(await jobs.claim(id, subject.now(), LEASE_MS), {
          claimed: false,
          reason: 'not-claimable',
          state: 'CREATED',
        });
        assert.deepEqual(await jobs.read(id), before);
      });

      it('carries what the job holds on the claim’s attempt, and clears its wait reason', async () => {
        const owner = subject.newOwner();
        const { id, pool, at } = await made.runningJob(owner);
        const job: Job = await made.stored(id);
        assert.equal(job.waitReason ?? null, null);
        assert.equal(at.holdings?.owner, owner);
        assert.equal(at.holdings?.pool, pool);
        assert.equal(at.holdings?.admissionShard, job.admissionShard);
        assert.equal(typeof at.holdings?.admissionShard, 'number');
        assert.equal(at.holdings?.slot, job.slot);
        assert.equal(typeof at.holdings?.slot, 'number');
      });

      it('keeps the slot through a requeue: CREATED, not waiting, waiting out its retry’s backoff', async () => {
        const owner = subject.newOwner();
        const running = await made.runningJob(owner);
        const slot = (await made.stored(running.id)).slot;
        const dispatchAt = subject.now() + 30_000;
        const requeued = await jobs.requeue(running.at, { code: 'unavailable', message: 'flaky' }, dispatchAt);
        assert.equal(requeued.written, true);
        const job = await made.stored(running.id);
        assert.equal(job.state, 'CREATED');
        assert.equal(job.waiting, false);
        assert.equal(job.waitReason, 'retry-backoff');
        assert.equal(job.slot, slot);
        await made.queuedJob(subject.newOwner(), running.pool);
        assert.deepEqual(await jobs.dispatchNext(running.pool, 1, subject.now()), { kind: 'no-free-slot' });

        const again = await claim(running.id, owner, running.pool);
        assert.equal(again.at.holdings?.slot, slot);
        assert.equal((await made.stored(running.id)).waitReason ?? null, null);
        await jobs.finish(again.at, { state: 'COMPLETED', result: 2 }, subject.now(), RETENTION_DAYS);
        assert.equal((await jobs.dispatchNext(running.pool, 1, subject.now())).kind, 'dispatched');
      });

      it('keeps the slot through the sweep’s retry and republish', async () => {
        const running = await made.runningJob();
        const slot = (await made.stored(running.id)).slot;
        await jobs.recoverJob(running.id, subject.now(), RETENTION_DAYS, () => 'retry');
        assert.equal((await made.stored(running.id)).slot, slot);
        await jobs.recoverJob(running.id, subject.now(), RETENTION_DAYS, () => 'republish');
        const job = await made.stored(running.id);
        assert.equal(job.slot, slot);
        assert.equal(job.waiting, false);
        await made.queuedJob(undefined, running.pool);
        assert.deepEqual(await jobs.dispatchNext(running.pool, 1, subject.now()), { kind: 'no-free-slot' });
      });
    });

    describe('wait places', () => {
      const MINUTE = 60_000;

      it('takes up to the limit of places, refuses past it, and takes a place given back again', async () => {
        const owner = subject.newOwner();
        const now = subject.now();
        const tokens = ['a', 'b', 'c'].map((t) => `${t}-${crypto.randomUUID()}`);
        for (const token of tokens.slice(0, 2))
          assert.equal(await jobs.acquireWait(owner, token, now, now + MINUTE, 2), true);
        assert.equal(await jobs.acquireWait(owner, tokens[2], now, now + MINUTE, 2), false);
        assert.equal(await jobs.acquireWait(subject.newOwner(), tokens[2], now, now + MINUTE, 2), true, 'per owner');
        await jobs.releaseWait(owner, tokens[0]);
        await jobs.releaseWait(owner, tokens[0]); // giving back twice is harmless
        await jobs.releaseWait(owner, `never-${crypto.randomUUID()}`);
        assert.equal(await jobs.acquireWait(owner, tokens[2], now, now + MINUTE, 2), true);
        assert.equal(await jobs.acquireWait(owner, tokens[0], now, now + MINUTE, 2), false, 'the limit holds');
      });

      it('counts a place never given back until it expires', async () => {
        const owner = subject.newOwner();
        const now = subject.now();
        assert.equal(await jobs.acquireWait(owner, 'lost', now, now + MINUTE, 1), true);
        assert.equal(await jobs.acquireWait(owner, 'next', now + MINUTE - 1, now + 2 * MINUTE, 1), false);
        assert.equal(await jobs.acquireWait(owner, 'next', now + MINUTE, now + 2 * MINUTE, 1), true, 'expired');
      });

      it('gives exactly the limit of places to concurrent requests', async () => {
        const owner = subject.newOwner();
        const now = subject.now();
        const taken = await Promise.all(
          Array.from({ length: 10 }, (_, n) => jobs.acquireWait(owner, `t${n}`, now, now + MINUTE, 3)),
        );
        assert.equal(taken.filter(Boolean).length, 3);
      });
    });
  });
}
