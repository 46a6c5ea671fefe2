import { DEFAULT_WORKER_TIMINGS } from '../library/src/core/worker/worker-timings';
import { maxInWindow } from './model/metrics';
import { FIRESTORE } from './model/firestore-parameters';
import { Platform, type PlatformSettings } from './model/platform';
import { exponentialMs, RandomStreams } from './model/seeded';

/** The shipped defaults' capacity: WORKER_MAX_INSTANCES (10) × WORKER_CONCURRENCY (1). */
export const DEFAULT_CAPACITY = 10;

/** Faults of the classic scenarios' faulty runs. */
export const CLASSIC_FAULTS = { handlerCrashRate: 0.01, lostPublishRate: 0.01, duplicateDeliveryRate: 0.05 };

/** The faults of the 100,000-job scenario, as the issue states them. */
export const LARGE_FAULTS = {
  commitAbortRate: 0.05,
  duplicateDeliveryRate: 0.01,
  duplicateMaxDelayMs: 10 * 60_000,
  handlerCrashRate: 0.005,
  lostPublishRate: 0.01,
};

export interface Faults {
  handlerCrashRate: number;
  lostPublishRate: number;
  duplicateDeliveryRate: number;
  duplicateMaxDelayMs: number;
  commitAbortRate: number;
}

export const NO_FAULTS: Faults = {
  handlerCrashRate: 0,
  lostPublishRate: 0,
  duplicateDeliveryRate: 0,
  duplicateMaxDelayMs: 0,
  commitAbortRate: 0,
};

/**
 * The project at `capacity` slots, as deployed: one job per worker instance (maxInstances = capacity), the
 * callables at their own options (10 instances × 80 calls), Pub/Sub redelivering a failed push with backoff from
 * 10 s to 600 s for 24 h (`retry: true`), the sweep each minute, DISPATCH_GRACE_SECONDS 5, the worker's timings
 * and one job end in ten looking for stale jobs. Cold starts: the bench's measured load of the functions module
 * (docs/benchmarks.md) scaled to each service's CPU share, plus Cloud Run's own start.
 */
export function settingsFor(capacity: number, faults: Faults, seed: number, maxActive = 10_000): PlatformSettings {
  return {
    capacity,
    worker: { maxInstances: capacity, concurrency: 1, coldStartMs: 2_000, queueTimeoutMs: 10_000 },
    callable: { maxInstances: 10, concurrency: 80, coldStartMs: 500, queueTimeoutMs: 10_000 },
    push: { retry: true, minBackoffMs: 10_000, maxBackoffMs: 600_000, retentionMs: 24 * 3_600_000 },
    faults,
    firestore: { ...FIRESTORE, abortRate: faults.commitAbortRate },
    sweepIntervalMs: 60_000,
    dispatchGraceMs: 5_000,
    timings: DEFAULT_WORKER_TIMINGS,
    staleCheckRate: 0.1,
    maxActiveJobsPerUser: maxActive,
    invocationTimeoutMs: 540_000,
    seed,
  };
}

/** One sample of the run's census, for the chart. */
export interface CensusSample {
  t: number;
  running: number;
  waiting: number;
}

/** What one run of a scenario measured (times in seconds from its start). */
export interface RunResult {
  scenario: string;
  capacity: number;
  faults: string;
  jobs: number;
  expected: number;
  makespanS: number;
  idealS: number;
  notDone: number;
  failed: number;
  /** Jobs with two handler runs (of different attempts) at once. */
  overlapping: number;
  /** Jobs whose handler returned more than once, with and without a crash of one of its runs. */
  twiceAfterCrash: number;
  twiceOtherwise: number;
  lightWaitsS: number[];
  heavyWaitsS: number[];
  allWaitsS: number[];
  createdAndWaitS: [number, number][];
  census: CensusSample[];
  rejected429: number;
  refusedCreates: number;
  republished: number;
  hottestDocument: { path: string; perSecond: number; perSecondOverAMinute: number };
  firestore: {
    reads: number;
    writes: number;
    deletes: number;
    aborted: number;
    contended: number;
    longestWaitMs: number;
  };
  wallMs: number;
  peakRssMiB: number;
}

/** Whether a user's name marks a heavy user (the floods'). */
const isHeavy = (owner: string) => owner.startsWith('heavy');

/** Runs `platform` until every expected job is done (or `limitMs` of simulated time), sampling its census. */
async function runToEnd(platform: Platform, expected: () => number, limitMs: number, census: CensusSample[]) {
  const start = platform.clock.now();
  const sample = () => {
    census.push({ t: (platform.clock.now() - start) / 1000, ...platform.census() });
    platform.clock.setTimer(10_000, sample);
  };
  sample();
  platform.startScheduler();
  const allDone = () => platform.metrics.done >= expected();
  try {
    await platform.clock.runUntil(allDone, { limitMs });
  } catch {
    // Past the limit: the jobs not done are counted as such.
  }
  platform.stopSchedulerNow();
}

/** The figures of a finished run. */
function summarize(
  scenario: string,
  platform: Platform,
  start: number,
  expected: number,
  idealEndMs: number,
  census: CensusSample[],
  began: number,
  peakRss: () => number,
  faults: string,
  capacity: number,
): RunResult {
  const jobs = [...platform.metrics.jobs.values()];
  const waitOf = (job: (typeof jobs)[number]) =>
    job.firstStartAt === undefined ? Number.NaN : (job.firstStartAt - job.createdAt) / 1000;
  const ends = jobs.map((job) => job.doneAt ?? Number.NaN).filter(Number.isFinite);
  let hottest = { path: '', perSecond: 0, perSecondOverAMinute: 0 };
  for (const [path, times] of platform.store.writtenPaths()) {
    if (times.length <= hottest.perSecondOverAMinute * 60) continue;
    const perMinute = maxInWindow(times, 60_000) / 60;
    if (perMinute > hottest.perSecondOverAMinute) {
      hottest = { path, perSecond: maxInWindow(times, 1_000), perSecondOverAMinute: perMinute };
    }
  }
  const overlapping = jobs.filter((job) =>
    job.runs.some((a) => job.runs.some((b) => a.attempt < b.attempt && (a.stop === undefined || a.stop > b.start))),
  ).length;
  const stats = platform.store.stats;
  return {
    scenario,
    capacity,
    faults,
    jobs: jobs.length,
    expected,
    makespanS: (Math.max(...ends) - start) / 1000,
    idealS: (idealEndMs - start) / 1000,
    notDone: expected - jobs.filter((job) => job.doneAt !== undefined).length,
    failed: jobs.filter((job) => job.state !== undefined && job.state !== 'COMPLETED').length,
    overlapping,
    twiceAfterCrash: jobs.filter((job) => job.handlerCompletions > 1 && job.crashes > 0).length,
    twiceOtherwise: jobs.filter((job) => job.handlerCompletions > 1 && job.crashes === 0).length,
    lightWaitsS: jobs
      .filter((job) => !isHeavy(job.owner))
      .map(waitOf)
      .filter(Number.isFinite),
    heavyWaitsS: jobs
      .filter((job) => isHeavy(job.owner))
      .map(waitOf)
      .filter(Number.isFinite),
    allWaitsS: jobs.map(waitOf).filter(Number.isFinite),
    createdAndWaitS: jobs.map((job) => [(job.createdAt - start) / 1000, waitOf(job)]),
    census,
    rejected429: platform.workers.stats.rejected,
    refusedCreates: platform.failedSubmissions.length,
    republished: platform.metrics.counts.republished,
    hottestDocument: hottest,
    firestore: {
      reads: stats.reads,
      writes: stats.writes,
      deletes: stats.deletes,
      aborted: platform.firestore.stats.aborted,
      contended: platform.firestore.stats.contended,
      longestWaitMs: platform.firestore.stats.longestWaitMs,
    },
    wallMs: Date.now() - began,
    peakRssMiB: peakRss() / 2 ** 20,
  };
}

/** Samples the process's resident memory every wall-clock second, for the run's peak. */
function rssWatcher(): { peak: () => number; stop: () => void } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 1_000);
  return {
    peak: () => Math.max(peak, process.memoryUsage().rss),
    stop: () => clearInterval(timer),
  };
}

/** Submits `count` jobs of `owner` as batches of 500, one call after another (as a script would). */
async function submitInBatches(platform: Platform, owner: string, durations: () => number, count: number) {
  for (let from = 0; from < count; from += 500) {
    const size = Math.min(500, count - from);
    await platform.submitBatch(owner, Array.from({ length: size }, durations));
  }
}

const describeFaults = (faults: Faults) => (faults === NO_FAULTS ? 'none' : 'injected');

/** What a scenario set up on its platform: how many jobs it makes, and when the ideal run would end. */
interface Workload {
  expected: number;
  /** Epoch ms: the latest of the work divided by the capacity and the latest arrival plus its duration. */
  idealEnd: () => number;
  /** Simulated ms after which the run counts the jobs not done as such. */
  limitMs: number;
}

/**
 * Runs a scenario: a platform at `capacity` with `faults`, the workload `setUp` schedules on it, run until every job
 * is done, then its figures, with the run's wall time and memory.
 */
async function runScenario(
  scenario: string,
  capacity: number,
  faults: Faults,
  seed: number,
  setUp: (platform: Platform, start: number, streams: RandomStreams) => Workload,
): Promise<RunResult> {
  const began = Date.now();
  const rss = rssWatcher();
  const platform = new Platform(settingsFor(capacity, faults, seed));
  const start = platform.clock.now();
  const workload = setUp(platform, start, new RandomStreams(seed));
  const census: CensusSample[] = [];
  await runToEnd(platform, () => workload.expected, workload.limitMs, census);
  rss.stop();
  return summarize(
    scenario,
    platform,
    start,
    workload.expected,
    workload.idealEnd(),
    census,
    began,
    rss.peak,
    describeFaults(faults),
    capacity,
  );
}

/**
 * A flood and a crowd: one user submits 9,000 jobs of 10 s at once (18 batch calls of 500, one after another), and
 * 100 other users each submit 10 at random times during the first 15 minutes.
 */
export function floodAndCrowd(capacity: number, faults: Faults, seed: number): Promise<RunResult> {
  return runScenario('flood and crowd', capacity, faults, seed, (platform, start, streams) => {
    const arrivals = streams.stream('arrivals');
    void submitInBatches(platform, 'heavy-0', () => 10_000, 9_000);
    let lastArrival = start;
    for (let user = 0; user < 100; user++) {
      for (let job = 0; job < 10; job++) {
        const at = arrivals() * 15 * 60_000;
        lastArrival = Math.max(lastArrival, start + at);
        platform.clock.setTimer(at, () => void platform.submit(`light-${user}`, 10_000));
      }
    }
    return {
      expected: 10_000,
      idealEnd: () => Math.max(start + (10_000 * 10_000) / capacity, lastArrival + 10_000),
      limitMs: 48 * 3_600_000,
    };
  });
}

/** The most jobs a steady run creates: an hour at 80 % of a large capacity is a hundred thousand more events. */
const STEADY_MAX_JOBS = 30_000;

/**
 * Steady load at 80 % of capacity: jobs of 10 s from 50 users, Poisson arrivals, for an hour (or, at a capacity that
 * would make more than STEADY_MAX_JOBS in an hour, for as long as that many take).
 */
export function steadyLoad(capacity: number, faults: Faults, seed: number): Promise<RunResult> {
  return runScenario('steady load', capacity, faults, seed, (platform, start, streams) => {
    const gaps = streams.stream('gaps');
    const users = streams.stream('users');
    const meanGapMs = 10_000 / (0.8 * capacity);
    const durationMs = Math.min(3_600_000, STEADY_MAX_JOBS * meanGapMs);
    let expected = 0;
    let lastArrival = start;
    for (let t = exponentialMs(gaps, meanGapMs); t < durationMs; t += exponentialMs(gaps, meanGapMs)) {
      expected += 1;
      lastArrival = start + t;
      const owner = `user-${Math.floor(users() * 50)}`;
      platform.clock.setTimer(t, () => void platform.submit(owner, 10_000));
    }
    return {
      expected,
      idealEnd: () => Math.max(start + (expected * 10_000) / capacity, lastArrival + 10_000),
      limitMs: 12 * 3_600_000,
    };
  });
}

/** A lognormal duration with median 2 s and a 99th percentile of about 100 s, within the task's time limit. */
function durationMs(random: () => number): number {
  const sigma = Math.log(50) / 2.3263;
  const u = Math.max(1e-12, random());
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.min(400_000, 2_000 * Math.exp(sigma * z));
}

/**
 * 100,000 jobs from 1,000 users: 10 heavy users submit 5,000 each at once (10 batch calls of 500 each, one after
 * another), and 990 light users submit the other 50,000 one at a time at random moments over two hours; durations
 * lognormal with a median of 2 s and a 99th percentile of about 100 s. Faults: 5 % of commits aborted, 1 % of
 * deliveries made twice up to 10 minutes late, 0.5 % of handlers crashed, 1 % of publishes lost. `scale` shrinks
 * it (users, jobs and the two hours alike) for a quick look.
 */
export function hundredThousand(capacity: number, faults: Faults, seed: number, scale = 1): Promise<RunResult> {
  return runScenario('100,000 jobs', capacity, faults, seed, (platform, start, streams) => {
    const durations = streams.stream('durations');
    const arrivals = streams.stream('arrivals');
    let workMs = 0;
    const draw = () => {
      const ms = durationMs(durations);
      workMs += ms;
      return ms;
    };
    const heavyJobs = Math.round(5_000 * scale);
    for (let user = 0; user < 10; user++) void submitInBatches(platform, `heavy-${user}`, draw, heavyJobs);
    let lastEnd = start;
    const twoHours = 2 * 3_600_000 * scale;
    const lightUsers = Math.round(990 * scale);
    for (let user = 0; user < lightUsers; user++) {
      const count = 50 + (user < 500 ? 1 : 0);
      for (let job = 0; job < count; job++) {
        const at = arrivals() * twoHours;
        const ms = draw();
        lastEnd = Math.max(lastEnd, start + at + ms);
        platform.clock.setTimer(at, () => void platform.submit(`light-${user}`, ms));
      }
    }
    return {
      expected: 10 * heavyJobs + lightUsers * 50 + Math.min(lightUsers, 500),
      idealEnd: () => Math.max(start + workMs / capacity, lastEnd),
      limitMs: 72 * 3_600_000,
    };
  });
}
