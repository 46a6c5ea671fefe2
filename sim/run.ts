/**
 * `npm run simulate`: the production-scale simulation (docs/capacity.md). Runs each scenario on the protocol as
 * built, against the Firestore model (latency, one writer at a time per document at Firestore's sustained rate,
 * contention aborts), at the shipped defaults' capacity (10) and at 100 and 1,000; prints the tables; writes them
 * with the chart of the 100,000-job run into docs/capacity.md (between its SIMULATION markers) and
 * docs/capacity-run.svg. Deterministic: the same seed gives the same figures (but the run time and memory). Exits
 * 1 if a target is missed.
 *
 *   npm run simulate                               every scenario (about a quarter of an hour)
 *   SIMULATE_SEED=7 npm run simulate               another seed
 *   SIMULATE_ONLY=large npm run simulate           one group: flood, steady or large (docs are not written)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { DEFAULT_WORKER_TIMINGS } from '../library/src/core/worker/worker-timings';
import { runChartSvg } from './chart';
import { FIRESTORE, MEASURED } from './model/firestore-parameters';
import { everyRunChecks, floodChecks, largeChecks, runsTable, steadyChecks, type Check } from './report';
import {
  CLASSIC_FAULTS,
  DEFAULT_CAPACITY,
  floodAndCrowd,
  hundredThousand,
  LARGE_FAULTS,
  NO_FAULTS,
  steadyLoad,
  type Faults,
  type RunResult,
} from './scenarios';

const root = join(__dirname, '..');
const seed = Number(process.env.SIMULATE_SEED ?? 1);
const only = process.env.SIMULATE_ONLY;
const LEASE_S = DEFAULT_WORKER_TIMINGS.leaseMs / 1000;
const SWEEP_S = 60;
const CAPACITIES = [DEFAULT_CAPACITY, 100, 1000];
const CLASSIC: Faults = { ...CLASSIC_FAULTS, duplicateMaxDelayMs: 5_000, commitAbortRate: 0 };

/** Collects what a run left behind before the next starts, so each run's memory is its own. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function timed(label: string, run: () => Promise<RunResult>): Promise<RunResult> {
  collectGarbage();
  const result = await run();
  console.log(`  ${label}: ${(result.wallMs / 1000).toFixed(1)} s, ${result.peakRssMiB.toFixed(0)} MiB`);
  return result;
}

async function main(): Promise<void> {
  console.log(`Simulating (seed ${seed}).`);
  const floods: RunResult[] = [];
  const steady: RunResult[] = [];
  const large: RunResult[] = [];
  for (const capacity of only === undefined || only === 'flood' ? CAPACITIES : []) {
    for (const faults of [NO_FAULTS, CLASSIC]) {
      const name = `flood and crowd at ${capacity}, faults ${faults === NO_FAULTS ? 'none' : 'injected'}`;
      floods.push(await timed(name, () => floodAndCrowd(capacity, faults, seed)));
    }
  }
  for (const capacity of only === undefined || only === 'steady' ? CAPACITIES : []) {
    for (const faults of [NO_FAULTS, CLASSIC]) {
      const name = `steady load at ${capacity}, faults ${faults === NO_FAULTS ? 'none' : 'injected'}`;
      steady.push(await timed(name, () => steadyLoad(capacity, faults, seed)));
    }
  }
  for (const capacity of only === undefined || only === 'large' ? [100, 1000] : []) {
    large.push(await timed(`100,000 jobs at ${capacity}`, () => hundredThousand(capacity, LARGE_FAULTS, seed)));
  }

  const checks: Check[] = [
    ...[...floods, ...steady, ...large].flatMap(everyRunChecks),
    ...floods.filter((r) => r.capacity >= 100).flatMap((r) => floodChecks(r, LEASE_S, SWEEP_S)),
    ...steady.flatMap((r) => steadyChecks(r, LEASE_S)),
    ...large.filter((r) => r.capacity === 100).flatMap(largeChecks),
  ];
  const section = [
    `Reproduce with \`npm run simulate\` (seed ${seed}; \`SIMULATE_SEED=n\` for another). Every run is the protocol as`,
    'built, on the Firestore model below; "faults injected" in the classic scenarios: 1 % of handlers crash, 1 % of',
    'publishes lost, 5 % of deliveries doubled (up to 5 s late); in the 100,000-job scenario: 5 % of commits aborted,',
    '1 % of deliveries doubled up to 10 minutes late, 0.5 % of handlers crashed, 1 % of publishes lost. The model:',
    `latencies measured on the emulator (get ${MEASURED.get.p50} ms, query ${MEASURED.query.p50} ms, count`,
    `${MEASURED.count.p50} ms, commit ${MEASURED.commit.p50} ms, medians), ${FIRESTORE.documentWrites.perSecond} write a second`,
    `sustained per document with a burst of ${FIRESTORE.documentWrites.burst}, contended commits aborted after`,
    `${FIRESTORE.contentionTimeoutMs / 1000} s.`,
    '',
    runsTable([...floods, ...steady, ...large]),
    '',
    "![Running and waiting jobs over time, and the users' waits, in the 100,000-job run at capacity 100](capacity-run.svg)",
    '',
    '### Targets',
    '',
    ...checks.map((c) => `- ${c.ok ? '✅' : '❌'} ${c.text}`),
  ].join('\n');
  console.log('');
  console.log(section);

  if (only === undefined) {
    const docPath = join(root, 'docs', 'capacity.md');
    const doc = readFileSync(docPath, 'utf8');
    const begin = '<!-- SIMULATION:BEGIN -->';
    const end = '<!-- SIMULATION:END -->';
    const from = doc.indexOf(begin);
    const to = doc.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/capacity.md has no ${begin} … ${end} section`);
    // Written as Prettier writes markdown, so `npm run lint` passes on the file the simulation wrote.
    const updated = `${doc.slice(0, from + begin.length)}\n${section}\n${doc.slice(to)}`;
    writeFileSync(docPath, await format(updated, { ...(await resolveConfig(docPath)), filepath: docPath }));
    const chartRun = large.find((r) => r.capacity === 100);
    if (chartRun) writeFileSync(join(root, 'docs', 'capacity-run.svg'), runChartSvg(chartRun));
    console.log('');
    console.log('Wrote docs/capacity.md and docs/capacity-run.svg.');
  }
  if (!checks.every((c) => c.ok)) process.exitCode = 1;
}

void main();
