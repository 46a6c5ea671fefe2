/**
 * `npm run simulate`: the production-scale simulation (docs/capacity.md). Runs each scenario clean and with faults,
 * on the design as built and, for the flood, on the design before it; prints the tables; writes them, with the
 * chart, into docs/capacity.md (between its SIMULATION markers) and docs/capacity-flood.svg. Deterministic: the
 * same seed gives the same figures. Exits 1 if a target is missed.
 *
 *   npm run simulate                 every scenario (a few minutes)
 *   SIMULATE_SEED=7 npm run simulate another seed
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { DEFAULT_WORKER_TIMINGS } from '../library/src/core/worker/worker-timings';
import { floodChartSvg } from './chart';
import { floodTable, hotDocumentTable, SETUP, steadyTable, targets } from './report';
import { baselineSettings, CAPACITY, FAULTS, floodAndCrowd, JOB_SECONDS, oursSettings, steadyLoad } from './scenarios';

const root = join(__dirname, '..');
const seed = Number(process.env.SIMULATE_SEED ?? 1);
const IDEAL_S = (10_000 * JOB_SECONDS) / CAPACITY;
/** The worker's lease, which it renews while it runs: how long a dead worker's job holds its slot at most. */
const LEASE_S = DEFAULT_WORKER_TIMINGS.leaseMs / 1000;
const SWEEP_S = 60;
const FAULTS_TEXT = `${FAULTS.handlerCrashRate * 100} % of handlers crash, ${FAULTS.lostPublishRate * 100} % of publishes lost, ${FAULTS.duplicateDeliveryRate * 100} % of deliveries doubled`;

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  log(`Simulating (seed ${seed}): ${SETUP}.`);
  const floodClean = await floodAndCrowd(oursSettings(false, seed));
  log(`  flood and crowd, ours, clean: ${(floodClean.wallMs / 1000).toFixed(1)} s`);
  const floodFaults = await floodAndCrowd(oursSettings(true, seed));
  log(`  flood and crowd, ours, faults: ${(floodFaults.wallMs / 1000).toFixed(1)} s`);
  const baseClean = await floodAndCrowd(baselineSettings(false, seed));
  log(`  flood and crowd, before, clean: ${(baseClean.wallMs / 1000).toFixed(1)} s`);
  const baseFaults = await floodAndCrowd(baselineSettings(true, seed));
  log(`  flood and crowd, before, faults: ${(baseFaults.wallMs / 1000).toFixed(1)} s`);
  const steadyClean = await steadyLoad(oursSettings(false, seed));
  log(`  steady load, clean: ${(steadyClean.wallMs / 1000).toFixed(1)} s`);
  const steadyFaults = await steadyLoad(oursSettings(true, seed));
  log(`  steady load, faults: ${(steadyFaults.wallMs / 1000).toFixed(1)} s`);

  const flood = floodTable(
    [
      { design: 'ours', faults: 'none', result: floodClean },
      { design: 'ours', faults: 'injected', result: floodFaults },
      { design: 'before', faults: 'none', result: baseClean },
      { design: 'before', faults: 'injected', result: baseFaults },
    ],
    IDEAL_S,
  );
  const steady = steadyTable([
    { faults: 'none', result: steadyClean },
    { faults: 'injected', result: steadyFaults },
  ]);
  const hot = hotDocumentTable([
    { run: 'flood and crowd, ours, faults', result: floodFaults },
    { run: 'steady load, ours, faults', result: steadyFaults },
  ]);
  const checks = targets({
    floodClean,
    floodFaults,
    steadyClean,
    steadyFaults,
    idealS: IDEAL_S,
    leaseS: LEASE_S,
    sweepS: SWEEP_S,
  });
  const section = [
    `Reproduce with \`npm run simulate\` (seed ${seed}; \`SIMULATE_SEED=n\` for another). Setup: ${SETUP}, Cloud Run`,
    'queueing a push about 10 s before answering 429, the sweep every minute. "Faults": ' + FAULTS_TEXT + '.',
    '',
    `### A flood and a crowd (ideal makespan ${IDEAL_S} s)`,
    '',
    'One user submits 9,000 jobs at once; 100 other users submit 10 each at random times in the first 15 minutes.',
    '"Before" is the design this one replaced: every job published at once, a push past the instances answered',
    '429 and dropped (`retry: false`), and the sweep publishing 200 stranded jobs a minute again.',
    '',
    flood,
    '',
    "![Running and waiting jobs over time, and the users' waits, ours beside the design before](capacity-flood.svg)",
    '',
    '### Steady load at 80 % of capacity (8 jobs a second for an hour)',
    '',
    steady,
    '',
    '### The hottest document',
    '',
    hot,
    '',
    '### Targets',
    '',
    ...checks.map((c) => `- ${c.ok ? '✅' : '❌'} ${c.text}`),
  ].join('\n');
  log('');
  log(section);

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
  writeFileSync(join(root, 'docs', 'capacity-flood.svg'), floodChartSvg({ ours: floodFaults, baseline: baseFaults }));
  log('');
  log('Wrote docs/capacity.md and docs/capacity-flood.svg.');
  if (!checks.every((c) => c.ok)) process.exitCode = 1;
}

void main();
