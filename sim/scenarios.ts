import { SWEEP_BATCH_SIZE } from '../library/src/core/use-cases/sweep';
import { DEFAULT_WORKER_TIMINGS } from '../library/src/core/worker/worker-timings';
import { maxInWindow, percentile } from './model/metrics';
import { Platform, type PlatformSettings } from './model/platform';
import { exponentialMs, RandomStreams } from './model/seeded';

/** Seconds of work of every simulated job. */
export const JOB_SECONDS = 10;
/** Worker instances of the simulated project (one job each): the pool's capacity. */
export const CAPACITY = 100;

/** The faults a faulty run injects (the clean run injects none). */
export const FAULTS = { handlerCrashRate: 0.01, lostPublishRate: 0.01, duplicateDeliveryRate: 0.05 };
const NO_FAULTS = { handlerCrashRate: 0, lostPublishRate: 0, duplicateDeliveryRate: 0 };

const CLOUD_RUN = { maxInstances: CAPACITY, concurrency: 1, coldStartMs: 1_500, queueTimeoutMs: 10_000 };
const PUBSUB_BACKOFF = { minBackoffMs: 10_000, maxBackoffMs: 600_000, retentionMs: 24 * 3_600_000 };

/** The design as built: dispatch only what can run, Pub/Sub redelivers a failed push, the sweep each minute. */
export function oursSettings(faulty: boolean, seed: number): PlatformSettings {
  return {
    dispatchCapacity: CAPACITY,
    worker: CLOUD_RUN,
    push: { retry: true, ...PUBSUB_BACKOFF },
    faults: faulty ? FAULTS : NO_FAULTS,
    sweepIntervalMs: 60_000,
    sweepBatchSize: SWEEP_BATCH_SIZE,
    // DISPATCH_GRACE_SECONDS as functions/.env sets it for production.
    dispatchGraceMs: 5_000,
    timings: DEFAULT_WORKER_TIMINGS,
    staleCheckAtJobEnd: true,
    maxActiveJobsPerUser: 10_000,
    seed,
  };
}

/**
 * The design before: every job published at once (no dispatch limit), a push past the instances is answered 429
 * after about 10 s and, with `retry: false`, dropped; only the sweep, each minute, publishes up to 200 stranded jobs
 * again, 60 s after their dispatch; a claim's lease is the task's time limit + 5 s + 60 s, never renewed.
 */
export function baselineSettings(faulty: boolean, seed: number): PlatformSettings {
  return {
    ...oursSettings(faulty, seed),
    dispatchCapacity: 1_000_000,
    push: { retry: false, ...PUBSUB_BACKOFF },
    dispatchGraceMs: 60_000,
    timings: { ...DEFAULT_WORKER_TIMINGS, leaseMs: (60 + 5 + 60) * 1000, leaseRenewalMs: 24 * 3_600_000 },
    staleCheckAtJobEnd: false,
  };
}

/** One sample of the run's census, for the chart. */
export interface CensusSample {
  t: number;
  running: number;
  waiting: number;
}

/** What one run of a scenario measured (times in seconds from the start). */
export interface RunResult {
  jobs: number;
  makespanS: number;
  notTerminal: number;
  failed: number;
  /** Jobs whose handler returned more than once, with and without a crash of one of its runs. */
  twiceAfterCrash: number;
  twiceOtherwise: number;
  lightWaitsS: number[];
  heavyWaitsS: number[];
  allWaitsS: number[];
  /** Each job's create time (s) and wait (s), for the steady run's windows. */
  createdAndWaitS: [number, number][];
  census: CensusSample[];
  rejected429: number;
  peakInFlight: number;
  republished: number;
  sweptRetry: number;
  dropped: number;
  /** The most writes one document took in one second, and in the busiest minute (per second), and which. */
  hottestDocument: { path: string; perSecond: number; perSecondOverAMinute: number };
  wallMs: number;
}

const HEAVY = 'heavy-user';

/** Runs `platform` until every created job is done (or `limitMs` of simulated time), sampling its census. */
async function runToEnd(platform: Platform, expectedJobs: number, limitMs: number, census: CensusSample[]) {
  const start = platform.clock.now();
  const sample = () => {
    census.push({ t: (platform.clock.now() - start) / 1000, ...platform.census() });
    platform.clock.setTimer(10_000, sample);
  };
  sample();
  platform.startScheduler();
  const allDone = () => {
    if (platform.metrics.jobs.size < expectedJobs) return false;
    for (const job of platform.metrics.jobs.values()) if (job.doneAt === undefined) return false;
    return true;
  };
  try {
    await platform.clock.runUntil(allDone, { limitMs });
  } catch {
    // Past the limit: the jobs not done are counted as such.
  }
  platform.stopSchedulerNow();
}

function summarize(platform: Platform, start: number, census: CensusSample[], wallMs: number): RunResult {
  const jobs = [...platform.metrics.jobs.values()];
  const waitOf = (job: (typeof jobs)[number]) =>
    job.firstStartAt === undefined ? Number.NaN : (job.firstStartAt - job.createdAt) / 1000;
  const ends = jobs.map((job) => job.doneAt ?? Number.NaN).filter(Number.isFinite);
  const writes = platform.jobs.commitTimesByDocument();
  let hottest = { path: '', perSecond: 0, perSecondOverAMinute: 0 };
  for (const [path, times] of writes) {
    const perSecond = maxInWindow(times, 1_000);
    const perMinute = maxInWindow(times, 60_000) / 60;
    if (perMinute > hottest.perSecondOverAMinute) hottest = { path, perSecond, perSecondOverAMinute: perMinute };
  }
  return {
    jobs: jobs.length,
    makespanS: (Math.max(...ends) - start) / 1000,
    notTerminal: jobs.filter((job) => job.doneAt === undefined).length,
    failed: jobs.filter((job) => job.state !== undefined && job.state !== 'COMPLETED').length,
    twiceAfterCrash: jobs.filter((job) => job.handlerCompletions > 1 && job.crashes > 0).length,
    twiceOtherwise: jobs.filter((job) => job.handlerCompletions > 1 && job.crashes === 0).length,
    lightWaitsS: jobs
      .filter((job) => job.owner !== HEAVY)
      .map(waitOf)
      .filter(Number.isFinite),
    heavyWaitsS: jobs
      .filter((job) => job.owner === HEAVY)
      .map(waitOf)
      .filter(Number.isFinite),
    allWaitsS: jobs.map(waitOf).filter(Number.isFinite),
    createdAndWaitS: jobs.map((job) => [(job.createdAt - start) / 1000, waitOf(job)]),
    census,
    rejected429: platform.service.stats.rejected,
    peakInFlight: platform.service.stats.peakInFlight,
    republished: platform.metrics.counts.republished,
    sweptRetry: platform.metrics.counts.sweptRetry,
    dropped: platform.topic.stats.dropped,
    hottestDocument: hottest,
    wallMs,
  };
}

/**
 * A flood and a crowd: one user submits 9,000 jobs at once, and 100 other users each submit 10 at random times
 * during the first 15 minutes. Ideal makespan: 10,000 jobs x 10 s / 100 workers = 1,000 s.
 */
export async function floodAndCrowd(settings: PlatformSettings): Promise<RunResult> {
  const began = Date.now();
  const platform = new Platform(settings);
  const start = platform.clock.now();
  const arrivals = new RandomStreams(settings.seed).stream('arrivals');
  for (let i = 0; i < 9_000; i++) void platform.submit(HEAVY, JOB_SECONDS);
  for (let user = 0; user < 100; user++) {
    for (let job = 0; job < 10; job++) {
      platform.clock.setTimer(arrivals() * 15 * 60_000, () => void platform.submit(`light-${user}`, JOB_SECONDS));
    }
  }
  const census: CensusSample[] = [];
  await runToEnd(platform, 10_000, 12 * 3_600_000, census);
  return summarize(platform, start, census, Date.now() - began);
}

/** Steady load at 80 % of capacity: 8 jobs a second of 10 s (Poisson arrivals, 50 users) for an hour. */
export async function steadyLoad(settings: PlatformSettings): Promise<RunResult> {
  const began = Date.now();
  const platform = new Platform(settings);
  const start = platform.clock.now();
  const streams = new RandomStreams(settings.seed);
  const gaps = streams.stream('gaps');
  const users = streams.stream('users');
  let expected = 0;
  for (let t = exponentialMs(gaps, 125); t < 3_600_000; t += exponentialMs(gaps, 125)) {
    expected += 1;
    const owner = `user-${Math.floor(users() * 50)}`;
    platform.clock.setTimer(t, () => void platform.submit(owner, JOB_SECONDS));
  }
  const census: CensusSample[] = [];
  await runToEnd(platform, expected, 6 * 3_600_000, census);
  return summarize(platform, start, census, Date.now() - began);
}

/** The p-th percentile of the waits of jobs created in [fromS, toS). */
export function windowPercentile(result: RunResult, fromS: number, toS: number, p: number): number {
  return percentile(
    result.createdAndWaitS
      .filter(([created, wait]) => created >= fromS && created < toS && Number.isFinite(wait))
      .map(([, wait]) => wait),
    p,
  );
}
