import { percentile } from './model/metrics';
import type { RunResult } from './scenarios';

const s = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const seconds = (value: number) => `${s(value, value < 10 ? 1 : 0)} s`;

/** The table of runs: one row each, the figures the targets look at. */
export function runsTable(results: readonly RunResult[]): string {
  const lines = [
    '| scenario | capacity | faults | jobs | makespan | vs ideal | not done | run twice at once | light wait p50 / p95 / p99 | heavy wait p50 | refused creates | commits aborted | reads / writes per job | hottest document (writes a second, busiest minute) | run time | memory |',
    '| -------- | -------: | ------ | ---: | -------: | -------: | -------: | ----------------: | -------------------------: | -------------: | --------------: | --------------: | ---------------------: | ---------------------------------------------------- | -------: | -----: |',
  ];
  for (const r of results) {
    const light = r.lightWaitsS;
    const hot = r.hottestDocument;
    lines.push(
      `| ${r.scenario} | ${r.capacity} | ${r.faults} | ${r.jobs} | ${seconds(r.makespanS)} | ${s(r.makespanS / r.idealS, 2)}× | ${r.notDone} | ${r.overlapping} | ${seconds(percentile(light, 50))} / ${seconds(percentile(light, 95))} / ${seconds(percentile(light, 99))} | ${seconds(percentile(r.heavyWaitsS, 50))} | ${r.refusedCreates} | ${r.firestore.aborted + r.firestore.contended} | ${s(r.firestore.reads / r.jobs, 1)} / ${s((r.firestore.writes + r.firestore.deletes) / r.jobs, 1)} | \`${hot.path}\` ${s(hot.perSecondOverAMinute, 2)} | ${s(r.wallMs / 1000)} s | ${s(r.peakRssMiB)} MiB |`,
    );
  }
  return lines.join('\n');
}

/** A target, checked: the figure in words and whether it holds. */
export interface Check {
  text: string;
  ok: boolean;
}

/** Every run: nothing lost, no two attempts at once, no create refused, no document written over 1 a second. */
export function everyRunChecks(r: RunResult): Check[] {
  const name = `${r.scenario} at ${r.capacity} (faults ${r.faults})`;
  return [
    {
      text: `${name}: ${r.notDone} jobs not done, ${r.overlapping} run twice at once`,
      ok: r.notDone === 0 && r.overlapping === 0,
    },
    { text: `${name}: ${r.refusedCreates} creates refused`, ok: r.refusedCreates === 0 },
    {
      text: `${name}: the hottest document, \`${r.hottestDocument.path}\`, took ${s(r.hottestDocument.perSecondOverAMinute, 2)} writes a second over its busiest minute (≤ 1)`,
      ok: r.hottestDocument.perSecondOverAMinute <= 1,
    },
  ];
}

/** A flood at capacity 100 or more: makespan near the ideal, and light users served within two jobs' time. */
export function floodChecks(r: RunResult, leaseS: number, sweepS: number): Check[] {
  const slack = r.faults === 'none' ? 0 : leaseS + sweepS;
  const name = `flood at ${r.capacity} (faults ${r.faults})`;
  return [
    {
      text: `${name}: makespan ${s(r.makespanS)} s ≤ 1.1 × ideal ${s(r.idealS)} s${slack ? ` + lease ${leaseS} s + sweep ${sweepS} s` : ''}`,
      ok: r.makespanS <= 1.1 * r.idealS + slack,
    },
    {
      text: `${name}: light users' wait p95 ${s(percentile(r.lightWaitsS, 95), 1)} s ≤ 20 s`,
      ok: percentile(r.lightWaitsS, 95) <= 20,
    },
  ];
}

/** The 100,000-job scenario's own targets (at capacity 100). */
export function largeChecks(r: RunResult): Check[] {
  const p95 = percentile(r.lightWaitsS, 95);
  const p99 = percentile(r.lightWaitsS, 99);
  return [
    {
      text: `100,000 jobs at ${r.capacity}: makespan ${s(r.makespanS)} s ≤ 1.1 × ideal ${s(r.idealS)} s`,
      ok: r.makespanS <= 1.1 * r.idealS,
    },
    {
      text: `100,000 jobs at ${r.capacity}: light users' wait p95 ${s(p95, 1)} s ≤ 10 s, p99 ${s(p99, 1)} s ≤ 30 s`,
      ok: p95 <= 10 && p99 <= 30,
    },
    {
      text: `100,000 jobs at ${r.capacity}: the run took ${s(r.wallMs / 1000)} s ≤ 180 s and ${s(r.peakRssMiB)} MiB ≤ 2048 MiB here`,
      ok: r.wallMs <= 180_000 && r.peakRssMiB <= 2048,
    },
  ];
}

/**
 * A steady load at 80 %: waits stay within a job's duration (10 s). In a pool smaller than 100 with faults, they may
 * take a lease more: a crashed handler's slot comes back only once its lease lapses, and with 10 slots at 80 % one
 * slot out for that long queues the jobs arriving meanwhile (a large pool absorbs it).
 */
export function steadyChecks(r: RunResult, leaseS: number): Check[] {
  const p99 = percentile(r.allWaitsS, 99);
  const slack = r.faults === 'none' || r.capacity >= 100 ? 0 : leaseS;
  const bound = 10 + slack;
  return [
    {
      text: `steady load at ${r.capacity} (faults ${r.faults}): wait p99 ${s(p99, 2)} s ≤ 10 s${slack ? ` + lease ${leaseS} s` : ''}`,
      ok: p99 <= bound,
    },
  ];
}
