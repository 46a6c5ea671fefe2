/**
 * `npm run simtest`: randomized simulation testing (sim/randomized): runs seeds, each a random world with every fault
 * the protocol must survive, and checks the invariants on every commit and at rest. A failing seed prints the one
 * command that replays it. Exits 1 if any seed fails.
 *
 *   npm run simtest                      seeds 1 to 200
 *   npm run simtest -- --seeds 1000      seeds 1 to 1000
 *   npm run simtest -- --from 5000 --seeds 200
 *   npm run simtest -- --seed 1234       one seed, printing everything it found
 *   npm run simtest -- --seed 1234 --trace   the same, with each job's creation, send and end as they happen
 */
import { parseArgs } from 'node:util';
import { runSeed } from './randomized/random-world';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string', default: '200' },
    from: { type: 'string', default: '1' },
    trace: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  const only = values.seed === undefined ? undefined : Number(values.seed);
  const from = only ?? Number(values.from);
  const count = only === undefined ? Number(values.seeds) : 1;
  const started = Date.now();
  let failed = 0;
  let jobs = 0;
  const long = { created: 0, completed: 0, attempts: 0, stepBodyRuns: 0 };
  for (let seed = from; seed < from + count; seed++) {
    const result = await runSeed(seed, values.trace ? (line) => console.log(line) : undefined);
    jobs += result.created;
    for (const key of Object.keys(long) as (keyof typeof long)[]) long[key] += result.long[key];
    if (only !== undefined) console.log(JSON.stringify({ ...result, violations: result.violations.length }, null, 2));
    if (result.violations.length === 0) continue;
    failed += 1;
    console.log(
      `seed ${seed} failed (${result.violations.length} violations): replay with npm run simtest -- --seed ${seed}`,
    );
    for (const violation of result.violations.slice(0, only === undefined ? 5 : 100)) console.log(`  ${violation}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `jobs of 30 steps of 60 s: ${long.completed} of ${long.created} COMPLETED, ${long.attempts} attempts, ` +
      `${long.stepBodyRuns} step bodies run (${long.created * 30} steps)`,
  );
  console.log(`${count - failed} of ${count} seeds passed (${jobs} jobs) in ${seconds} s`);
  if (failed > 0) process.exitCode = 1;
}

void main();
