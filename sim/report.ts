import { percentile } from './model/metrics';
import { CAPACITY, JOB_SECONDS, windowPercentile, type RunResult } from './scenarios';

const s = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/** The flood-and-crowd table: one row per design and fault setting. */
export function floodTable(rows: { design: string; faults: string; result: RunResult }[], idealS: number): string {
  const lines = [
    '| design | faults | makespan | vs ideal | not done | twice (after a crash / other) | light wait p50 / p95 | heavy wait p50 | 429s | re-published | peak in flight |',
    '| ------ | ------ | -------: | -------: | -------: | ----------------------------: | -------------------: | -------------: | ---: | -----------: | -------------: |',
  ];
  for (const { design, faults, result: r } of rows) {
    lines.push(
      `| ${design} | ${faults} | ${s(r.makespanS)} s | ${s(r.makespanS / idealS, 2)}× | ${r.notTerminal} | ${r.twiceAfterCrash} / ${r.twiceOtherwise} | ${s(percentile(r.lightWaitsS, 50), 1)} s / ${s(percentile(r.lightWaitsS, 95), 1)} s | ${s(percentile(r.heavyWaitsS, 50))} s | ${r.rejected429} | ${r.republished} | ${r.peakInFlight} |`,
    );
  }
  return lines.join('\n');
}

/** The steady-load table: waits overall and in the first and last ten minutes, to show they do not grow. */
export function steadyTable(rows: { faults: string; result: RunResult }[]): string {
  const lines = [
    '| faults | jobs | wait p50 | wait p95 | wait p99 | p99, first 10 min | p99, last 10 min | most CREATED at once | not done |',
    '| ------ | ---: | -------: | -------: | -------: | ----------------: | ---------------: | -------------------: | -------: |',
  ];
  for (const { faults, result: r } of rows) {
    const mostWaiting = Math.max(...r.census.map((c) => c.waiting));
    lines.push(
      `| ${faults} | ${r.jobs} | ${s(percentile(r.allWaitsS, 50), 2)} s | ${s(percentile(r.allWaitsS, 95), 2)} s | ${s(percentile(r.allWaitsS, 99), 2)} s | ${s(windowPercentile(r, 0, 600, 99), 2)} s | ${s(windowPercentile(r, 3000, 3600, 99), 2)} s | ${mostWaiting} | ${r.notTerminal} |`,
    );
  }
  return lines.join('\n');
}

/** The hottest document of each run: Firestore sustains about one write a second on one document. */
export function hotDocumentTable(rows: { run: string; result: RunResult }[]): string {
  const lines = [
    '| run | hottest document | most writes in one second | writes a second over its busiest minute |',
    '| --- | ---------------- | ------------------------: | ---------------------------------------: |',
  ];
  for (const { run, result: r } of rows) {
    const doc = r.hottestDocument;
    lines.push(`| ${run} | \`${doc.path}\` | ${doc.perSecond} | ${s(doc.perSecondOverAMinute, 2)} |`);
  }
  return lines.join('\n');
}

/** The targets of the issue, checked: each line says the figure and whether it holds. */
export function targets(results: {
  floodClean: RunResult;
  floodFaults: RunResult;
  steadyClean: RunResult;
  steadyFaults: RunResult;
  idealS: number;
  leaseS: number;
  sweepS: number;
}): { text: string; ok: boolean }[] {
  const { floodClean: fc, floodFaults: ff, steadyClean: sc, steadyFaults: sf, idealS, leaseS, sweepS } = results;
  const checks = [
    { text: `clean flood: makespan ${s(fc.makespanS)} s ≤ 1.1 × ${idealS} s`, ok: fc.makespanS <= 1.1 * idealS },
    {
      text: `faulty flood: makespan ${s(ff.makespanS)} s ≤ 1.1 × ${idealS} s + lease ${leaseS} s + sweep ${sweepS} s`,
      ok: ff.makespanS <= 1.1 * idealS + leaseS + sweepS,
    },
    ...[fc, ff, sc, sf].map((r, i) => ({
      text: `${['clean flood', 'faulty flood', 'clean steady', 'faulty steady'][i]}: ${r.notTerminal} jobs not done, ${r.twiceOtherwise} handlers run twice without a crash`,
      ok: r.notTerminal === 0 && r.twiceOtherwise === 0,
    })),
    ...[fc, ff].map((r, i) => ({
      text: `${['clean', 'faulty'][i]} flood: light users' p95 wait ${s(percentile(r.lightWaitsS, 95), 1)} s ≤ ${2 * JOB_SECONDS} s`,
      ok: percentile(r.lightWaitsS, 95) <= 2 * JOB_SECONDS,
    })),
    ...[sc, sf].map((r, i) => ({
      text: `${['clean', 'faulty'][i]} steady: wait p99 ${s(percentile(r.allWaitsS, 99), 2)} s ≤ ${JOB_SECONDS} s, last 10 min p99 ${s(windowPercentile(r, 3000, 3600, 99), 2)} s ≤ ${JOB_SECONDS} s`,
      ok: percentile(r.allWaitsS, 99) <= JOB_SECONDS && windowPercentile(r, 3000, 3600, 99) <= JOB_SECONDS,
    })),
  ];
  return checks;
}

export const SETUP = `${CAPACITY} worker instances, one ${JOB_SECONDS} s job each`;
