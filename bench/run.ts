/**
 * `npm run bench`: our pipeline against the seed tutorial's design (bench/baseline-functions), on the emulator
 * suite, in one run, interleaved. Prints markdown tables and writes the figures as JSON to bench/results/.
 * Nothing here is asserted: the numbers are for reading and comparing as ratios within one run. Each part starts
 * with both designs' done jobs deleted (deleteDoneJobs says why).
 *
 *   BENCH_LATENCY_JOBS (default 100)  sequential jobs per side for latency, after 10 of warm-up
 *   BENCH_THROUGHPUT_JOBS (500), BENCH_USERS (5), BENCH_CONCURRENCY (8: the Functions emulator runs one process per
 *   concurrent invocation, and 2 cores do not keep up with many more)
 *   BENCH_COST_JOBS (20)  jobs per side and worktime for the cost table
 *   BENCH_BURST_JOBS (96, and six a lane at least)  jobs per side and burst at each of 8, 16 and 32 in flight (a warm-up
 *   burst and two measured ones), for the burst table
 *   BENCH_FLOOD_JOBS (30)  the heavy user's jobs of 3 s, before the light user's one, for the fairness table
 *   BENCH_PARTS (latency,watch,throughput,burst,fairness,cost,cold,long)  the parts to run
 */
import { longJobCosts, longJobTable } from './long-jobs';
import { watchedCommits, watchedCommitsTable } from './watched-commits';
import { within } from './within';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createJob, waitForJob, type Job } from '../client/src/index';
import { adminFirestore } from '../test/helpers/admin';
import { restartNetwork, signedInUser, type TestUser } from '../test/helpers/client';
import { emulatorHosts } from '../test/helpers/emulators';
import * as ourFunctions from '../functions/src/index';
import { jobCost, resourcesOf, type JobCost } from './cost';
import { machineBusySeconds } from './machine-cpu';
import {
  countsBetween,
  opLogFile,
  processesBetween,
  processesStarted,
  resetOpLog,
  settledOffset,
  type Counts,
} from './op-log';
import { PRICES } from './prices';
import { median, ms, summarize, summaryRow } from './stats';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const LATENCY_JOBS = env('BENCH_LATENCY_JOBS', 100);
const WARM_UP = 10;
const THROUGHPUT_JOBS = env('BENCH_THROUGHPUT_JOBS', 500);
const USERS = env('BENCH_USERS', 5);
const CONCURRENCY = env('BENCH_CONCURRENCY', 8);
const COST_JOBS = env('BENCH_COST_JOBS', 20);
/** Jobs per side and burst, when set; else burstJobs's default for each level. */
const BURST_JOBS = process.env.BENCH_BURST_JOBS === undefined ? undefined : Number(process.env.BENCH_BURST_JOBS);
const BURST_IN_FLIGHT = [8, 16, 32];
const FLOOD_JOBS = env('BENCH_FLOOD_JOBS', 30);
const FLOOD_WORKTIME = 3;
/** How long one job of the burst may take before it counts as lost. */
const BURST_DEADLINE_MS = 180_000;
const PARTS = new Set((process.env.BENCH_PARTS ?? 'latency,watch,throughput,burst,fairness,cost,cold,long').split(','));
/** The seed tutorial's `watch` interval. */
const POLL_MS = 2000;
const root = join(__dirname, '..');

function baselineUrl(): string {
  const { projectId, functions } = emulatorHosts();
  return `http://${functions.host}:${functions.port}/${projectId}/us-central1/baselineJobs`;
}

interface OursSample {
  totalMs: number;
  queueMs: number;
  runMs: number;
  noticeMs: number;
}

/** How long past its work a listener may go without seeing a job end before the bench restarts its network. */
const LISTENER_STALL_MS = 15_000;
/** Restarts of one wait past which the bench stops: the listener is broken, not stalled. */
const LISTENER_RESTARTS_MAX = 4;
/** How many waits needed a restart in this run (printed with the tables). */
let listenerRestarts = 0;

/**
 * The job once the user's listener sees it done. The Firestore emulator now and then leaves a listener without a
 * change it owes: the job is done on the server, the SDK reports no error, and the listener stays silent (about one
 * wait in a thousand in these runs; it hung a whole run once). After LISTENER_STALL_MS without the end the bench
 * restarts that client's network, which listens again and delivers the job as it is, and counts the restart: the
 * tables say how many waits needed one. The tests restart a client only once the server has held the awaited state
 * (test/helpers/lost-changes.ts); the bench restarts on time alone, since reads of its own would count in its cost
 * tables.
 */
async function seenDone(user: TestUser, id: string, worktime = 0): Promise<Job> {
  const done = waitForJob(user.firestore, id);
  for (let restarts = 0; restarts <= LISTENER_RESTARTS_MAX; restarts++) {
    const job = await within(done, LISTENER_STALL_MS + worktime * 1000);
    if (job) return job;
    listenerRestarts += 1;
    await restartNetwork(user.firestore);
  }
  throw new Error(`job ${id}: its listener saw no end after ${LISTENER_RESTARTS_MAX} restarts of its network`);
}

/** Ours: the callable, then a listener until COMPLETED; the split comes from the job's server timestamps. */
async function oursOnce(user: TestUser, worktime: number): Promise<OursSample> {
  const started = Date.now();
  const { id } = await createJob(user.functions, 'sleep', { worktime });
  const job = await seenDone(user, id, worktime);
  const seen = Date.now();
  const create = job.createTime.toMillis();
  const start = job.startTime?.toMillis() ?? create;
  const done = job.doneTime?.toMillis() ?? start;
  return { totalMs: seen - started, queueMs: start - create, runMs: done - start, noticeMs: seen - done };
}

/** A baseline job as its GET answers it. */
interface BaselineJob {
  State: number;
  Done: boolean;
}

/** Creates a baseline job with the seed's POST; its id. */
async function baselineCreate(worktime: number): Promise<string> {
  const created = await fetch(baselineUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ worktime }),
  });
  return ((await created.json()) as { id: string }).id;
}

/** GETs a baseline job every `intervalMs` until `until` holds; how many GETs it took. */
async function baselinePoll(id: string, until: (job: BaselineJob) => boolean, intervalMs: number): Promise<number> {
  for (let polls = 1; ; polls++) {
    const job = (await (await fetch(`${baselineUrl()}/${id}`)).json()) as BaselineJob;
    if (until(job)) return polls;
    await sleep(intervalMs);
  }
}

/** The baseline: POST, then GET every 2 s (the tutorial's `watch`) until Done; counts the GETs. */
async function baselineOnce(worktime: number): Promise<{ totalMs: number; polls: number }> {
  const started = Date.now();
  const polls = await baselinePoll(await baselineCreate(worktime), (job) => job.Done, POLL_MS);
  return { totalMs: Date.now() - started, polls };
}

async function latency(user: TestUser) {
  for (let i = 0; i < WARM_UP; i++) {
    await oursOnce(user, 0);
    await baselineOnce(0);
  }
  const ours: OursSample[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < LATENCY_JOBS; i++) {
    // Interleaved, so both see the same machine at the same time.
    ours.push(await oursOnce(user, 0));
    baseline.push((await baselineOnce(0)).totalMs);
  }
  return {
    ours: summarize(ours.map((s) => s.totalMs)),
    baseline: summarize(baseline),
    queue: summarize(ours.map((s) => s.queueMs)),
    run: summarize(ours.map((s) => s.runMs)),
    notice: summarize(ours.map((s) => s.noticeMs)),
  };
}

/**
 * Deletes both designs' done jobs, with the Admin SDK. The Firestore emulator answers a query by scanning its
 * collection (a count takes 19 ms at 1,000 documents and 56 ms at 5,000 here), where production reads an index
 * whose cost does not grow with the collection; ours queries its queue and the baseline never queries, so the done
 * jobs of earlier parts would charge ours alone for the emulator's scan. Each part and each burst starts without
 * them, as a deployment whose retention deletes done jobs would be; jobs not done are left alone.
 */
async function deleteDoneJobs(): Promise<void> {
  const db = adminFirestore();
  const writer = db.bulkWriter();
  // The emulator under load now and then answers a write UNKNOWN; a delete can be tried again as it is.
  writer.onWriteError((error) => error.failedAttempts < 5);
  const deletes: Promise<unknown>[] = [];
  for (const [collection, doneField] of [
    ['jobs', 'done'],
    ['baselineJobs', 'Done'],
  ] as const) {
    const done = await db.collection(collection).where(doneField, '==', true).select().get();
    for (const doc of done.docs) deletes.push(writer.delete(doc.ref));
  }
  await writer.close();
  // Each delete's own promise, so a failure (past its tries) fails the run here instead of going unhandled.
  await Promise.all(deletes);
}

/** Runs `work` `count` times with at most `limit` at once; resolves with the elapsed ms. */
async function bounded(count: number, limit: number, work: (n: number) => Promise<unknown>): Promise<number> {
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let n = next++; n < count; n = next++) await work(n);
    }),
  );
  return Date.now() - started;
}

async function throughput(users: TestUser[]) {
  const oursMs = await bounded(THROUGHPUT_JOBS, CONCURRENCY, async (n) => {
    const user = users[n % users.length];
    const { id } = await createJob(user.functions, 'sleep', { worktime: 0 });
    await seenDone(user, id);
  });
  const baselineMs = await bounded(THROUGHPUT_JOBS, CONCURRENCY, () => baselineOnce(0));
  return { ours: (THROUGHPUT_JOBS / oursMs) * 1000, baseline: (THROUGHPUT_JOBS / baselineMs) * 1000 };
}

/**
 * Jobs per side in one burst at `inFlight`: BENCH_BURST_JOBS when set, else 96 and at least six a lane, so a burst
 * measures a rate, not its ramp and tail.
 */
function burstJobs(inFlight: number): number {
  return BURST_JOBS ?? Math.max(96, 6 * inFlight);
}

/**
 * One burst side: its jobs (burstJobs), at most `inFlight` at once; how many, jobs/s, the jobs lost (not done in 3
 * minutes), the machine's busy CPU-seconds per job meanwhile (every process; the other side's are idle),
 * undefined without /proc, and the Functions emulator processes that started meanwhile (undefined without the op log).
 */
async function burstSide(inFlight: number, once: (n: number) => Promise<unknown>) {
  let lost = 0;
  const jobs = burstJobs(inFlight);
  const file = opLogFile();
  const from = file === undefined ? undefined : await settledOffset(file);
  const busyBefore = machineBusySeconds();
  const ms = await bounded(jobs, inFlight, async (n) => {
    if ((await within(once(n), BURST_DEADLINE_MS)) === undefined) lost += 1;
  });
  const busyAfter = machineBusySeconds();
  const cpuPerJob = busyBefore === undefined || busyAfter === undefined ? undefined : (busyAfter - busyBefore) / jobs;
  const started =
    file === undefined || from === undefined ? undefined : processesStarted(file, from, await settledOffset(file));
  return { jobs, jobsPerSecond: (jobs / ms) * 1000, lost, cpuPerJob, processesStarted: started };
}

/** The bursts at each level: the warm-up's first (shown), then the two that are measured. */
const BURST_ROUNDS = ['warm-up', 'first', 'second'] as const;

/** One side's burst (burstSide), on a jobs collection without the done jobs of earlier bursts. */
async function cleanBurst(inFlight: number, once: (n: number) => Promise<unknown>) {
  await deleteDoneJobs();
  return burstSide(inFlight, once);
}

/**
 * Bursts at each of 8, 16 and 32 jobs in flight (each job created, then waited for to the end), per side: warm-up
 * bursts, then two measured ones. The Functions emulator starts one Node process per concurrent invocation of a
 * function (firebase-tools#5503), at about 2 CPU-seconds each on this machine, and each process compiles its code
 * hot on its own: the warm-up at a new level pays for the processes its peak needs and their first calls, where
 * production runs a steady load on instances that serve up to 80 requests each and stay warm. Each side warms up as
 * a cost row does (warmUp: bursts until one starts no new process); its first burst's rate is shown, apart from the
 * measured ones. The users take turns, so no one passes the per-user limit.
 */
async function burst(users: TestUser[]) {
  const rows: {
    inFlight: number;
    round: (typeof BURST_ROUNDS)[number];
    jobs: number;
    ours: number;
    oursLost: number;
    oursCpuPerJob?: number;
    baseline: number;
    baselineLost: number;
    baselineCpuPerJob?: number;
    oursProcessesStarted?: number;
    baselineProcessesStarted?: number;
    /** On the warm-up row: the warm-up bursts each side ran. */
    warmUpRounds?: { ours: number; baseline: number };
  }[] = [];
  const ours = async (n: number) => {
    const user = users[n % users.length];
    const { id } = await createJob(user.functions, 'sleep', { worktime: 0 });
    return seenDone(user, id);
  };
  const baseline = () => baselineOnce(0);
  const file = opLogFile();
  const warmSide = async (once: (n: number) => Promise<unknown>, inFlight: number) =>
    file === undefined
      ? { rounds: 1, first: await cleanBurst(inFlight, once) }
      : warmUp(file, () => cleanBurst(inFlight, once));
  for (const inFlight of BURST_IN_FLIGHT) {
    for (const round of BURST_ROUNDS) {
      const warm =
        round === 'warm-up'
          ? { ours: await warmSide(ours, inFlight), baseline: await warmSide(baseline, inFlight) }
          : undefined;
      const o = warm?.ours.first ?? (await cleanBurst(inFlight, ours));
      const b = warm?.baseline.first ?? (await cleanBurst(inFlight, baseline));
      rows.push({
        inFlight,
        round,
        jobs: o.jobs,
        ours: o.jobsPerSecond,
        oursLost: o.lost,
        oursCpuPerJob: o.cpuPerJob,
        baseline: b.jobsPerSecond,
        baselineLost: b.lost,
        baselineCpuPerJob: b.cpuPerJob,
        oursProcessesStarted: o.processesStarted,
        baselineProcessesStarted: b.processesStarted,
        ...(warm ? { warmUpRounds: { ours: warm.ours.rounds, baseline: warm.baseline.rounds } } : {}),
      });
    }
  }
  return rows;
}

/** The baseline's job until it is RUNNING (the seed's State 1) or done: the time from its POST. */
async function baselineUntilRunning(worktime: number): Promise<number> {
  const started = Date.now();
  await baselinePoll(await baselineCreate(worktime), (job) => job.State >= 1 || job.Done, 100);
  return Date.now() - started;
}

/**
 * A heavy user floods FLOOD_JOBS jobs of 3 s; once they are created, a light user creates one job: how long it waits
 * from its create to RUNNING. Ours reads it from the job's server times. Each design's flood then runs to its end
 * before the next measurement, so the cost part counts none of its operations.
 */
async function fairness(heavy: TestUser, light: TestUser) {
  const oursFlood = await Promise.all(
    Array.from({ length: FLOOD_JOBS }, () => createJob(heavy.functions, 'sleep', { worktime: FLOOD_WORKTIME })),
  );
  const ours = await oursOnce(light, 0);
  await Promise.all(oursFlood.map(({ id }) => seenDone(heavy, id, FLOOD_JOBS * FLOOD_WORKTIME)));
  const baselineFlood = await Promise.all(Array.from({ length: FLOOD_JOBS }, () => baselineCreate(FLOOD_WORKTIME)));
  const baselineMs = await baselineUntilRunning(0);
  await Promise.all(baselineFlood.map((id) => baselinePoll(id, (job) => job.Done, POLL_MS)));
  return { oursQueueMs: ours.queueMs, baselineMs };
}

/** Runs `work` and returns the operations every process logged meanwhile, per role. */
async function opsDuring(file: string, work: () => Promise<unknown>): Promise<Map<string, Counts>> {
  const from = await settledOffset(file);
  await work();
  return countsBetween(file, from, await settledOffset(file));
}

/** A function's memory and CPU: ours as declared in library/src/async-jobs.ts and the pools; the baseline's are the defaults. */
function resources(role: string) {
  const declared = (ourFunctions as Record<string, { __endpoint?: { availableMemoryMb?: unknown; cpu?: unknown } }>)[
    role
  ];
  return resourcesOf(declared?.__endpoint);
}

interface CostRow {
  worktime: number;
  ours: JobCost;
  baseline: JobCost;
  oursByRole: Record<string, Counts>;
  baselineByRole: Record<string, Counts>;
  /** Rounds of warmUp each side ran before the row. */
  warmUpRounds: { ours: number; baseline: number };
}

/** Rounds of a warm-up, at most: the emulator has started its processes well before. */
const WARM_UP_ROUNDS_MAX = 4;

/**
 * Runs `round`, not counted, until a round starts no function process that the rounds before it had not: the
 * Functions emulator starts a process for each concurrent invocation (firebase-tools#5503), and a new process's first
 * call (its module's code compiled, its clients made, its gRPC channels opened: seconds when several start at once on
 * two cores) would be counted in what is measured next, where production serves concurrent requests from warm
 * instances (up to 80 each). One round is not enough: which calls overlap, and so how many processes start, differs
 * from one round to the next. Returns the rounds run and what the first returned.
 */
async function warmUp<T>(file: string, round: () => Promise<T>): Promise<{ rounds: number; first: T }> {
  const seen = new Set<string>();
  let first: { value: T } | undefined;
  for (let rounds = 1; ; rounds++) {
    const from = await settledOffset(file);
    const value = await round();
    first ??= { value };
    const started = [...processesBetween(file, from, await settledOffset(file))].filter((p) => !seen.has(p));
    for (const name of started) seen.add(name);
    if ((rounds > 1 && started.length === 0) || rounds === WARM_UP_ROUNDS_MAX) return { rounds, first: first.value };
  }
}

/**
 * Operations per job for a 0 s and a 10 s job: ours with its listener, the baseline with its poller. The 10 s
 * jobs run 10 at a time (the per-job counts do not depend on it; the wall time does). Before each row each side is
 * warmed (warmUp) with rounds of the row's own jobs, so its creates and its workers overlap as the row's do.
 */
async function cost(users: TestUser[], file: string): Promise<CostRow[]> {
  const rows: CostRow[] = [];
  for (const worktime of [0, 10]) {
    const inFlight = worktime === 0 ? 1 : 10;
    const { rounds: oursWarmUp } = await warmUp(file, () =>
      bounded(inFlight, inFlight, (n) => oursOnce(users[n % users.length], worktime)),
    );
    const { rounds: baselineWarmUp } = await warmUp(file, () =>
      bounded(inFlight, inFlight, () => baselineOnce(worktime)),
    );
    const ours = await opsDuring(file, () =>
      bounded(COST_JOBS, inFlight, (n) => oursOnce(users[n % users.length], worktime)),
    );
    const baseline = await opsDuring(file, () => bounded(COST_JOBS, inFlight, () => baselineOnce(worktime)));
    rows.push({
      worktime,
      ours: jobCost(ours, COST_JOBS, resources),
      baseline: jobCost(baseline, COST_JOBS, resources),
      oursByRole: Object.fromEntries(ours),
      baselineByRole: Object.fromEntries(baseline),
      warmUpRounds: { ours: oursWarmUp, baseline: baselineWarmUp },
    });
  }
  return rows;
}

/** Loads a functions module in a fresh Node process, as a new instance would; time, memory and modules loaded. */
function coldStart(modulePath: string) {
  const program = `
    const t0 = process.hrtime.bigint();
    const before = new Set(Object.keys(require.cache));
    require(${JSON.stringify(modulePath)});
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const loaded = Object.keys(require.cache).filter((m) => !before.has(m));
    const packages = [...new Set(loaded.map((m) => (m.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/) || [])[1]).filter(Boolean))];
    console.log(JSON.stringify({ ms, rssMiB: process.memoryUsage().rss / 2 ** 20, modules: loaded.length, packages }));
  `;
  const runs = Array.from({ length: 5 }, () => {
    const out = spawnSync(process.execPath, ['-e', program], { cwd: root, encoding: 'utf8' });
    return JSON.parse(out.stdout) as { ms: number; rssMiB: number; modules: number; packages: string[] };
  });
  return {
    ms: median(runs.map((r) => r.ms)),
    rssMiB: median(runs.map((r) => r.rssMiB)),
    modules: runs[0]?.modules ?? 0,
    packages: runs[0]?.packages ?? [],
  };
}

/** The Cloud SDK root, as scripts/emulators.mjs finds it. */
function findCloudSdkRootSync(): string | undefined {
  if (process.env.CLOUDSDK_ROOT_DIR) return process.env.CLOUDSDK_ROOT_DIR;
  const info = spawnSync('gcloud', ['info', '--format=value(installation.sdk_root)'], { encoding: 'utf8' });
  return info.status === 0 ? info.stdout.trim() || undefined : undefined;
}

function machine() {
  // The Cloud SDK records each installed component's version in .install/<component>.snapshot.json.
  const sdkRoot = findCloudSdkRootSync();
  const sdkVersion = (component: string) => {
    try {
      const snapshot = JSON.parse(
        readFileSync(join(sdkRoot ?? '', '.install', `${component}.snapshot.json`), 'utf8'),
      ) as { components: { id: string; version: { version_string: string } }[] };
      const found = snapshot.components.find((c) => c.id === component);
      return found ? `${found.version.version_string} (Cloud SDK)` : 'unknown';
    } catch {
      return 'downloaded by firebase-tools';
    }
  };
  const pkg = (name: string) =>
    (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    firebaseTools: pkg('firebase-tools'),
    firestoreEmulator: sdkVersion('cloud-firestore-emulator'),
    pubsubEmulator: sdkVersion('pubsub-emulator'),
  };
}

type Latency = Awaited<ReturnType<typeof latency>>;
type Throughput = Awaited<ReturnType<typeof throughput>>;
type Burst = Awaited<ReturnType<typeof burst>>;
type Fairness = Awaited<ReturnType<typeof fairness>>;
type ColdStart = Record<'ours' | 'hello', ReturnType<typeof coldStart>>;

function latencyTable(lat: Latency): string[] {
  const ratio = (p: 'p50' | 'p95' | 'p99') => (lat.ours[p] / lat.baseline[p]).toFixed(3);
  return [
    '',
    `### Latency: create → client sees COMPLETED (worktime 0, ${LATENCY_JOBS} sequential jobs each, after ${WARM_UP} of warm-up)`,
    '',
    '| | p50 | p95 | p99 |',
    '| --- | --- | --- | --- |',
    summaryRow('ours (listener)', lat.ours),
    summaryRow('baseline (GET every 2 s)', lat.baseline),
    `| ratio ours / baseline | ${ratio('p50')} | ${ratio('p95')} | ${ratio('p99')} |`,
    summaryRow('ours: queue (create → RUNNING)', lat.queue),
    summaryRow('ours: run (RUNNING → done)', lat.run),
    summaryRow('ours: notice (done → callback)', lat.notice),
  ];
}

/** The warm-up bursts each side ran, per level. */
const warmUps = (rows: Burst) =>
  rows
    .flatMap((r) =>
      r.warmUpRounds
        ? [`${r.inFlight} in flight, ours ${r.warmUpRounds.ours} and baseline ${r.warmUpRounds.baseline}`]
        : [],
    )
    .join('; ');

function burstTable(rows: Burst): string[] {
  const cpu = (seconds: number | undefined) => (seconds === undefined ? 'n/a' : seconds.toFixed(3));
  const count = (n: number | undefined) => (n === undefined ? 'n/a' : String(n));
  const cores = cpus().length;
  return [
    '',
    `### Burst: jobs of 0 s at each number in flight (each created, then waited for), a warm-up and two measured bursts`,
    '',
    '| in flight | burst | jobs per side | ours: jobs/s | ours: lost | ours: CPU-s per job | ours: processes started | baseline: jobs/s | baseline: lost | baseline: CPU-s per job | baseline: processes started | ratio ours / baseline |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.inFlight} | ${r.round} | ${r.jobs} | ${r.ours.toFixed(1)} | ${r.oursLost} | ${cpu(r.oursCpuPerJob)} | ` +
        `${count(r.oursProcessesStarted)} | ${r.baseline.toFixed(1)} | ${r.baselineLost} | ` +
        `${cpu(r.baselineCpuPerJob)} | ${count(r.baselineProcessesStarted)} | ${(r.ours / r.baseline).toFixed(2)} |`,
    ),
    '',
    'The warm-up at each level starts the Functions emulator processes its peak needs (one per concurrent',
    'invocation of a function, about 2 CPU-seconds each here) and runs their first calls: each side runs bursts, not',
    'measured, until one starts no new process (at most 4), and its first is shown. A measured burst whose calls',
    'overlap more than the warm-up did starts more: processes started counts the function processes that served',
    'their first call during the side’s burst. Each burst starts with the done jobs of earlier ones deleted: the',
    'emulator scans a collection to answer a query.',
    `Warm-up bursts run: ${warmUps(rows)}.`,
    `CPU-s per job: the whole machine's busy CPU time during the side's burst (emulators, workers and the bench's`,
    `client), per job. A side whose jobs/s × CPU-s per job nears ${cores} (the cores) is bound by this machine's CPU.`,
  ];
}

function fairnessTable(fair: Fairness): string[] {
  return [
    '',
    `### Fairness: a light user's job after a heavy user's ${FLOOD_JOBS} jobs of ${FLOOD_WORKTIME} s`,
    '',
    '| | create → RUNNING |',
    '| --- | --- |',
    `| ours (slots: WORKER_MAX_INSTANCES × WORKER_CONCURRENCY) | ${fair.oursQueueMs} ms |`,
    `| baseline | ${fair.baselineMs} ms |`,
    '',
    'The Functions emulator ignores `maxInstances` (firebase-tools#5503), so the baseline runs the whole flood at once',
    'here, as production would not: there its pushes past the instances wait about 10 s, then are refused and lost.',
    'Ours holds the flood to the pool’s slots itself and gives the light user’s job the next free one; the',
    'simulation (docs/capacity.md) shows both designs under production’s limits.',
  ];
}

function throughputTable(thr: Throughput): string[] {
  return [
    '',
    `### Throughput: ${THROUGHPUT_JOBS} jobs, ${USERS} users, ${CONCURRENCY} in flight`,
    '',
    '| | jobs/s |',
    '| --- | --- |',
    `| ours | ${thr.ours.toFixed(1)} |`,
    `| baseline | ${thr.baseline.toFixed(1)} |`,
    `| ratio ours / baseline | ${(thr.ours / thr.baseline).toFixed(2)} |`,
  ];
}

const n1 = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const dollars = (v: number) => `$${v.toFixed(2)}`;

/** "createJob: 1 R 1 W 1 P 1 inv" for each role with any operation. */
function byRole(counts: Record<string, Counts>, jobs: number): string {
  const parts: string[] = [];
  for (const [role, c] of Object.entries(counts)) {
    const items = [
      ['R', c['firestore.reads']],
      ['W', c['firestore.writes']],
      ['D', c['firestore.deletes']],
      ['P', c['pubsub.publishes']],
      ['inv', c.invocations],
    ].flatMap(([label, n]) => (typeof n === 'number' && n > 0 ? [`${n1(n / jobs)} ${String(label)}`] : []));
    // A stream whose framing the emulator broke is left uncounted from there on (bench/op-counter.cjs).
    const unparsed = c['opcounter.unparsedStreams'];
    if (unparsed) items.push(`(${unparsed} stream${unparsed === 1 ? '' : 's'} left uncounted: broken framing)`);
    if (items.length) parts.push(`${role}: ${items.join(' ')}`);
  }
  return parts.join('; ');
}

function costTables(rows: CostRow[]): string[] {
  const line = (name: string, c: JobCost) =>
    `| ${name} | ${n1(c.reads)} | ${n1(c.writes + c.deletes)} | ${n1(c.publishes)} | ${n1(c.invocations)} | ` +
    `${c.vcpuSeconds.toFixed(3)} / ${c.gibSeconds.toFixed(3)} | ${dollars(c.perMillion.firestore)} | ` +
    `${dollars(c.perMillion.functions)} | ${dollars(c.perMillion.pubsub)} | **${dollars(c.perMillion.total)}** |`;
  const rpcs = (c: JobCost) =>
    Object.entries(c.rpcs)
      .map(([method, n]) => `${method} ${n1(n)}`)
      .join(', ');
  return [
    '',
    `### Cost per job (${COST_JOBS} jobs per row; Firestore reads/writes and Pub/Sub publishes counted in every process at the gRPC layer, invocations at each function)`,
    '',
    '| | Firestore reads | writes | publishes | invocations | vCPU-s / GiB-s | Firestore $/M jobs | Functions $/M | Pub/Sub $/M | total $/M |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.flatMap((r) => [
      line(`ours, ${r.worktime} s job (listener)`, r.ours),
      line(`baseline, ${r.worktime} s job (GET every 2 s)`, r.baseline),
    ]),
    '',
    `Formula, per million jobs, at list prices of ${PRICES.date} (us-central1, before free tiers): 10^6 × (reads × $0.03/10^5`,
    '+ writes × $0.09/10^5 + deletes × $0.01/10^5 + invocations × $0.40/10^6 + vCPU-s × $0.000024 + GiB-s × $0.0000025',
    '+ publishes × 2 × 1000 B × $40/TiB). vCPU-s and GiB-s: each invocation’s emulator time rounded up to 100 ms, times',
    'the memory and CPU the function declares (firebase-functions’ default: 1 vCPU), each invocation billed alone: an',
    'estimate of production’s, and an upper bound where concurrency > 1 lets requests share an instance’s time.',
    'Before each row each side runs, uncounted, rounds of as many of the row’s jobs as it has in flight, until a',
    'round starts no new Functions emulator process (at most 4), so the processes the row’s concurrent calls need are',
    'started and warm, as production’s instances are. Rounds run: ' +
      rows
        .map((r) => `${r.worktime} s row, ours ${r.warmUpRounds.ours} and baseline ${r.warmUpRounds.baseline}`)
        .join('; ') +
      '.',
    '',
    'Where the operations go (per job; R reads, W writes, P publishes, inv invocations), and Firestore round trips:',
    '',
    ...rows.flatMap((r) => [
      `- ours, ${r.worktime} s: ${byRole(r.oursByRole, COST_JOBS)}. RPCs: ${rpcs(r.ours)}`,
      `- baseline, ${r.worktime} s: ${byRole(r.baselineByRole, COST_JOBS)}. RPCs: ${rpcs(r.baseline)}`,
    ]),
  ];
}

function coldStartTable(cold: ColdStart): string[] {
  return [
    '',
    '### Cold start: loading the functions module in a fresh Node process (median of 5)',
    '',
    '| module | load time | RSS | modules loaded |',
    '| --- | --- | --- | --- |',
    `| functions/lib/index.js | ${ms(cold.ours.ms)} | ${cold.ours.rssMiB.toFixed(0)} MiB | ${cold.ours.modules} |`,
    `| hello world (firebase-functions only) | ${ms(cold.hello.ms)} | ${cold.hello.rssMiB.toFixed(0)} MiB | ${cold.hello.modules} |`,
    '',
    `Packages ours loads eagerly: ${cold.ours.packages.join(', ')}.`,
  ];
}

async function main(): Promise<void> {
  const users = await Promise.all(Array.from({ length: USERS }, () => signedInUser()));
  const m = machine();
  const opLog = opLogFile();
  if (opLog) resetOpLog(opLog);
  const restarts: Record<string, number> = {};
  const part = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
    if (!PARTS.has(name)) return undefined;
    await deleteDoneJobs();
    const before = listenerRestarts;
    const value = await run();
    restarts[name] = listenerRestarts - before;
    return value;
  };
  const lat = await part('latency', () => latency(users[0]));
  const watch = await part('watch', () => watchedCommits(users[0]));
  const thr = await part('throughput', () => throughput(users));
  const bur = await part('burst', () => burst(users));
  const fair = await part('fairness', () => fairness(users[0], users[1] ?? users[0]));
  const costs = opLog ? await part('cost', () => cost(users, opLog)) : undefined;
  // In simulated time on the in-memory store (bench/long-jobs.ts says why): no emulator call, so outside `part`.
  const long = PARTS.has('long') ? await longJobCosts() : undefined;
  const cold = PARTS.has('cold')
    ? { ours: coldStart('./functions/lib/index.js'), hello: coldStart('./bench/hello-world/index.js') }
    : undefined;
  const results = {
    date: new Date().toISOString(),
    machine: m,
    latency: lat,
    watchedCommits: watch,
    throughput: thr,
    burst: bur,
    fairness: fair,
    cost: costs,
    coldStart: cold,
    longJobs: long,
    listenerRestarts: restarts,
  };

  const lines = [
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, firebase-tools ${m.firebaseTools},`,
    `Firestore emulator ${m.firestoreEmulator}, Pub/Sub emulator ${m.pubsubEmulator}.`,
    ...(lat ? latencyTable(lat) : []),
    ...(watch ? watchedCommitsTable(watch) : []),
    ...(thr ? throughputTable(thr) : []),
    ...(bur ? burstTable(bur) : []),
    ...(fair ? fairnessTable(fair) : []),
    ...(costs ? costTables(costs) : PARTS.has('cost') ? ['', 'Cost: not measured (ASYNC_JOBS_OPS_LOG not set).'] : []),
    ...(cold ? coldStartTable(cold) : []),
    ...(long ? longJobTable(long) : []),
    '',
    `Stalled emulator listeners restarted (seenDone), by part: ${
      Object.entries(restarts)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ') || 'none measured'
    }.`,
  ];
  console.log(lines.join('\n'));
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const file = join(__dirname, 'results', `${results.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`\nJSON: ${file}`);
  await Promise.all(users.map((u) => u.close()));
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
