import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import { sleep } from '../../library/src/core/ports/clock';
import type { Write } from '../../library/src/core/ports/document-store';
import { jobAt } from '../../library/src/core/protocol/job-record';
import { StoreLayout } from '../../library/src/core/protocol/store-layout';
import { DEFAULT_STORE_TIMINGS, type StoreAccess } from '../../library/src/core/store/store-access';
import { defineTask } from '../../library/src/core/tasks/task';
import { TaskError } from '../../library/src/core/tasks/task-error';
import { TaskRegistry } from '../../library/src/core/tasks/task-registry';
import { cancelJob } from '../../library/src/core/use-cases/cancel-job';
import { createJob, createJobsBatch, type CreateJobDeps } from '../../library/src/core/use-cases/create-job';
import type { CoreDeps } from '../../library/src/core/use-cases/dispatch';
import { sweep } from '../../library/src/core/use-cases/sweep';
import type { WorkerDeps } from '../../library/src/core/worker/run-delivery';
import { RecentRunTimes } from '../../library/src/core/worker/recent-run-times';
import { DEFAULT_WORKER_TIMINGS } from '../../library/src/core/worker/worker-timings';
import { taskMessage } from '../../library/src/adapters/pubsub/task-message';
import { handleWakeTask } from '../../library/src/entry/wake';
import { handleTaskMessage } from '../../library/src/entry/worker';
import { FaultyDocumentStore } from '../../library/src/testing/faulty-document-store';
import { MemoryDocumentStore } from '../../library/src/testing/memory-document-store';
import { MemoryJobLog } from '../../library/src/testing/memory-job-log';
import { processStore } from '../../library/src/testing/process-document-store';
import { SimulatedClock } from '../../library/src/testing/simulated-clock';
import type { SimulatedProcess } from '../../library/src/testing/simulated-process';
import type { SentJob } from '@async-jobs/contract';
import { FirestoreModel } from '../model/firestore-model';
import { FIRESTORE } from '../model/firestore-parameters';
import { RandomStreams } from '../model/seeded';
import { InvariantChecker } from './invariants';

/** What one seed drew: the world's shape and its fault rates. */
export interface SeedPlan {
  seed: number;
  capacity: number;
  users: number;
  jobs: number;
}

/** What one seed's run found. */
export interface SeedResult {
  plan: SeedPlan;
  violations: string[];
  created: number;
  done: number;
  deletedByHand: number;
  faultsFired: number;
  crashes: number;
  /** The jobs of 30 steps of 60 s: how many were made, how many COMPLETED, and with how many attempts in all. */
  long: { created: number; completed: number; attempts: number; stepBodyRuns: number };
}

const POOL = 'standard';
/** The `long` jobs' steps, and how long each takes. */
const LONG_STEPS = 30;
const LONG_STEP_MS = 60_000;
const LONG_MAX_ATTEMPTS = 20;
/** The share of heartbeats that hang, of `work` jobs and of `long` jobs. */
const HEARTBEAT_HANG_RATE = 0.3;
const LONG_HEARTBEAT_HANG_RATE = 1 / 30;
/** How long a seed runs its users' actions; then it runs on, with sweeps, until every job is done. */
const ACTIVE_MS = 3 * 60_000;
const REST_LIMIT_MS = 3 * 60 * 60_000;

/** Whether a commit is a heartbeat (a lease write, with or without progress). */
function isHeartbeat(writes: readonly Write[] | undefined): boolean {
  const first = writes?.[0];
  return first?.op === 'update' && 'leaseExpireTime' in first.data && !('state' in first.data);
}

/**
 * One seed of randomized simulation testing, in the spirit of FoundationDB's simulation and TigerBeetle's VOPR: the
 * real use cases and worker on the in-memory store behind the Firestore model, in simulated time, with a random mix
 * drawn from the seed: a few users creating jobs one at a time, several at once and in batches; cancels; jobs
 * deleted by hand; workers killed at any moment of their request; commits failing for now, aborted, or applied with
 * their answer lost; calls that hang; heartbeats that hang; lost, duplicated and late deliveries; tasks failing for
 * now. The invariants (invariants.ts) are checked on every commit and at rest. The same seed replays the same run.
 */
export async function runSeed(seed: number, trace?: (line: string) => void): Promise<SeedResult> {
  const streams = new RandomStreams(seed);
  const draw = streams.stream('plan');
  const plan: SeedPlan = {
    seed,
    capacity: 1 + Math.floor(draw() * 4),
    users: 2 + Math.floor(draw() * 4),
    jobs: 0,
  };
  const clock = new SimulatedClock({ settleTurns: 1 });
  const memory = new MemoryDocumentStore({ clock, seed });
  const model = new FirestoreModel(memory, clock, { ...FIRESTORE, abortRate: 0.03 }, streams.stream('firestore'));
  const faulty = new FaultyDocumentStore(model);
  const faultDraw = streams.stream('faults');
  faulty.randomFaults({
    random: faultDraw,
    commitTransient: 0.02,
    commitAmbiguous: 0.02,
    readTransient: 0.02,
    hang: 0.002,
  });
  // Some heartbeats hang: the slow heartbeat of a worker whose instance is starved. Three in ten of a `work` job's,
  // where a hang's lost lease and a second handler are most often met; one in thirty of a `long` job's, whose
  // thirty steps of 60 s would otherwise keep a lease through a step one time in eight and never finish.
  faulty.fail({
    call: 'commit',
    fault: 'hang',
    times: 1e9,
    where: (call) => {
      if (!isHeartbeat(call.writes)) return false;
      const path = call.writes?.[0]?.path ?? '';
      const type = memory.peek(path)?.data.type;
      return faultDraw() < (type === 'long' ? LONG_HEARTBEAT_HANG_RATE : HEARTBEAT_HANG_RATE);
    },
  });
  const layout = new StoreLayout();
  const checker = new InvariantChecker(memory, layout, [POOL], () => clock.now(), trace);
  const log = new MemoryJobLog();
  const decisions = streams.stream('protocol');
  const currentProcess = new AsyncLocalStorage<SimulatedProcess>();
  let crashes = 0;

  /**
   * The world's task, of two kinds, both in invocations of 150 s that start a step only with 60 s left: `work`, and
   * `long` (a job of 30 steps of 60 s goes on over fifteen invocations, each a new turn for a slot, and has attempts
   * enough to finish through the world's faults: every hung heartbeat may cost it a lease).
   */
  const workTask = <const Type extends string>(
    type: Type,
    invocationSeconds: number,
    stepSeconds: number,
    maxAttempts: number,
  ) =>
    defineTask({
      type,
      input: z.strictObject({
        ms: z.number().min(0),
        flaky: z.boolean(),
        steps: z.number().int().min(0).max(30),
        napMs: z.number().min(0),
      }),
      // Backoffs under a second keep their slot; longer ones give it back and wait on a timer.
      retry: { maxAttempts, initialBackoffMs: 2_000, maxBackoffMs: 4_000 },
      timeoutSeconds: invocationSeconds,
      stepTimeoutSeconds: stepSeconds,
      totalTimeoutSeconds: 3_600,
      run: async ({ ms, flaky, steps, napMs }, { jobId, attempt, signal, step, sleep: nap }) => {
        const process = currentProcess.getStore();
        const stopped = checker.handlerStarted(jobId, attempt);
        const forget = process?.onKill(stopped);
        try {
          // On the process's clock: a killed instance's handler runs no further.
          const on = process?.clock ?? clock;
          if (steps === 0) await sleep(on, ms, signal);
          for (let n = 1; n <= steps; n++) {
            await step(`part-${n}`, async () => {
              checker.stepBodyStarted(jobId, `part-${n}`, attempt);
              await sleep(on, ms / steps, signal);
              return n;
            });
            if (n === 1 && napMs > 0) await nap('nap', napMs);
          }
          if (flaky && attempt === 1) throw new TaskError('unavailable', 'a flaky dependency', { transient: true });
          return `worked ${ms} ms`;
        } finally {
          stopped();
          forget?.();
        }
      },
    });
  const tasks = new TaskRegistry([workTask('work', 150, 60, 3), workTask('long', 150, 60, LONG_MAX_ATTEMPTS)]);

  const access = (process: SimulatedProcess): StoreAccess => ({
    store: processStore(faulty, process),
    layout,
    clock: process.clock,
    random: decisions,
    timings: DEFAULT_STORE_TIMINGS,
  });
  const messages = streams.stream('messages');
  const queue = {
    publish: (jobId: string, type: string, sent: SentJob) => {
      const lost = messages() < 0.03;
      if (!lost) deliverAfter(20 + messages() * 80, jobId, type, sent);
      // At-least-once: some deliveries come twice, some of them late.
      if (!lost && messages() < 0.05) deliverAfter(messages() * 60_000, jobId, type, sent);
      return Promise.resolve(String(messages()));
    },
  };
  // Cloud Tasks: a timer fires at its time, now and then a little late; a few are lost (the sweep wakes those jobs).
  const timers = {
    wakeAt: (jobId: string, time: number) => {
      if (messages() >= 0.03) {
        clock.setTimer(Math.max(0, time - clock.now()) + messages() * 2_000, () => {
          const process = clock.process();
          void currentProcess.run(process, () => handleWakeTask({ jobId }, coreDeps(process))).catch(() => undefined);
        });
      }
      return Promise.resolve();
    },
  };
  const coreDeps = (process: SimulatedProcess): CoreDeps => ({
    access: access(process),
    queue: { publish: (id, type, sent) => process.guard(queue.publish(id, type, sent)) },
    timers: { wakeAt: (id, time) => process.guard(timers.wakeAt(id, time)) },
    log,
    tasks,
    capacity: () => plan.capacity,
    retentionDays: () => 30,
  });
  // One for all the worker processes, as if each instance had seen the latest run.
  const runTimes = new RecentRunTimes();
  const workerDeps = (process: SimulatedProcess): WorkerDeps => ({
    ...coreDeps(process),
    timings: DEFAULT_WORKER_TIMINGS,
    dispatchGraceMs: () => 5_000,
    invocationTimeoutMs: 540_000,
    staleCheckRate: 0.1,
    runTimes,
  });
  const createDeps = (process: SimulatedProcess): CreateJobDeps => ({
    ...coreDeps(process),
    limits: () => ({ maxInputBytes: 10_240, maxActiveJobsPerUser: 100, maxWaitsPerUser: 5 }),
  });

  /** A push of the message to a new worker process, which is killed at a random moment now and then. */
  function deliverAfter(delayMs: number, jobId: string, type: string, sent: SentJob): void {
    clock.setTimer(delayMs, () => {
      const process = clock.process();
      if (messages() < 0.06) {
        clock.setTimer(messages() * 20_000, () => {
          if (process.killed) return;
          crashes += 1;
          process.kill();
        });
      }
      const { json, attributes } = taskMessage(jobId, type, sent);
      const message = {
        messageId: String(messages()),
        data: Buffer.from(JSON.stringify(json)).toString('base64'),
        attributes,
      };
      void currentProcess.run(process, () => handleTaskMessage(message, workerDeps(process))).catch(() => undefined);
    });
  }

  const created: string[] = [];
  const actions = streams.stream('actions');
  // Most jobs are short; some run for minutes, past several lease renewals, where a hanging heartbeat matters.
  // A few are `long`: 30 steps of 60 s, two to an invocation of 150 s, so fifteen invocations, each a new turn for a
  // slot, over half an hour.
  const jobRequest = () =>
    actions() < 0.03
      ? { type: 'long', input: { ms: LONG_STEPS * LONG_STEP_MS, flaky: false, steps: LONG_STEPS, napMs: 0 } }
      : {
          type: 'work',
          input: {
            ms: Math.floor(actions() < 0.8 ? actions() * 15_000 : 30_000 + actions() * 90_000),
            flaky: actions() < 0.1,
            steps: actions() < 0.3 ? 1 + Math.floor(actions() * 8) : 0,
            napMs: actions() < 0.1 ? Math.floor(actions() * 120_000) : 0,
          },
        };
  /** A job made: sometimes cancelled later, sometimes deleted by hand. */
  const afterCreate = (owner: string, ids: readonly string[]) => {
    for (const id of ids) {
      created.push(id);
      if (actions() < 0.15) {
        clock.setTimer(actions() * 30_000, () => {
          const process = clock.process();
          void cancelJob(owner, { id }, coreDeps(process)).then(
            (answer) => checker.cancelAcknowledged(id, memoryJob(id)?.attempts ?? 0) ?? answer,
            () => undefined,
          );
        });
      } else if (actions() < 0.03) {
        clock.setTimer(actions() * 30_000, () => {
          const job = memoryJob(id);
          checker.deletingByHand(job);
          void memory.commit([{ op: 'delete', path: layout.job(id) }]);
        });
      }
    }
  };
  const memoryJob = (id: string) => {
    const doc = memory.peek(layout.job(id));
    return doc && jobAt(doc).job;
  };

  for (let user = 0; user < plan.users; user++) {
    const owner = `user-${user}`;
    const sessions = 1 + Math.floor(actions() * 3);
    for (let s = 0; s < sessions; s++) {
      const kind = actions();
      const count = 1 + Math.floor(actions() * (kind < 0.4 ? 1 : kind < 0.7 ? 4 : 10));
      plan.jobs += count;
      clock.setTimer(actions() * ACTIVE_MS * 0.6, () => {
        const process = clock.process();
        if (kind >= 0.7) {
          const jobs = Array.from({ length: count }, jobRequest);
          void createJobsBatch(owner, { jobs }, createDeps(process)).then(
            (answer) =>
              afterCreate(
                owner,
                answer.jobs.map((job) => job.id),
              ),
            () => undefined,
          );
        } else {
          // One at a time, or several at once (a script's parallel creates).
          for (let i = 0; i < count; i++) {
            void createJob(owner, jobRequest(), createDeps(process)).then(
              (answer) => afterCreate(owner, [answer.id]),
              () => undefined,
            );
          }
        }
      });
    }
  }

  // Cloud Scheduler: the sweep every minute, in a process of its own.
  let sweeping = false;
  const tick = () => {
    clock.setTimer(60_000, tick);
    if (sweeping) return;
    sweeping = true;
    const process = clock.process();
    void sweep({ ...coreDeps(process), dispatchGraceMs: () => 5_000 }, clock.now())
      .catch(() => undefined)
      .finally(() => (sweeping = false));
  };
  clock.setTimer(60_000, tick);

  await clock.advance(ACTIVE_MS);
  const allDone = () =>
    memory.peekCollection(layout.jobs).every((doc) => (doc.data as { done?: boolean }).done === true) &&
    memory.peekCollection(layout.slots(POOL)).every((doc) => (doc.data as { held?: boolean }).held !== true);
  try {
    await clock.runUntil(allDone, { limitMs: REST_LIMIT_MS });
  } catch {
    // Not at rest within the limit: the checks at rest say what is left.
  }
  const long = { created: 0, completed: 0, attempts: 0, stepBodyRuns: 0 };
  for (const id of created) {
    const job = memoryJob(id);
    if (job?.type !== 'long') continue;
    long.created += 1;
    long.attempts += job.attempts;
    long.stepBodyRuns += checker.stepBodyRuns(id);
    if (job.state !== 'COMPLETED') continue;
    long.completed += 1;
    checker.completedSteps(id, LONG_STEPS, job.attempts);
  }
  checker.atRest();
  checker.stop();
  return {
    plan,
    violations: checker.violations,
    created: created.length,
    done: memory.peekCollection(layout.jobs).filter((doc) => (doc.data as { done?: boolean }).done === true).length,
    deletedByHand: created.length - memory.peekCollection(layout.jobs).length,
    faultsFired: faulty.fired.length,
    crashes,
    long,
  };
}
