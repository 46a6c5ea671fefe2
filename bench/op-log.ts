/**
 * Reads what bench/op-counter.cjs wrote: one JSON line per process and flush, `{ t, pid, role, counts }`, where
 * role is the function (FUNCTION_TARGET) or "client".
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export type Counts = Record<string, number>;

interface OpLine {
  t: number;
  pid: number;
  role: string;
  counts: Counts;
}

/** The op log's file, from the environment `npm run bench` sets; undefined when the counter is not loaded. */
export function opLogFile(): string | undefined {
  return process.env.ASYNC_JOBS_OPS_LOG;
}

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** Empties the log (a run's figures never mix with an earlier run's). */
export function resetOpLog(file: string): void {
  writeFileSync(file, '');
}

/**
 * Waits until no process has flushed counts for `quietMs` (every process flushes within 250 ms of counting),
 * and returns the log's size then: an offset that splits "before" from "after" cleanly.
 */
export async function settledOffset(file: string, quietMs = 1500): Promise<number> {
  let size = sizeOf(file);
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs) {
    await sleep(250);
    const now = sizeOf(file);
    if (now !== size) {
      size = now;
      quietSince = Date.now();
    }
  }
  return size;
}

/** Sums the counts logged between two offsets, per role. */
export function countsBetween(file: string, from: number, to: number): Map<string, Counts> {
  const text = readFileSync(file).subarray(from, to).toString('utf8');
  const byRole = new Map<string, Counts>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as OpLine;
    const sum = byRole.get(entry.role) ?? {};
    for (const [key, n] of Object.entries(entry.counts)) sum[key] = (sum[key] ?? 0) + n;
    byRole.set(entry.role, sum);
  }
  return byRole;
}

/** The functions' processes (role and pid) that logged counts between two offsets; the bench's client left out. */
export function processesBetween(file: string, from: number, to: number): Set<string> {
  const text = readFileSync(file).subarray(from, to).toString('utf8');
  const processes = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as OpLine;
    if (entry.role !== 'client') processes.add(`${entry.role}/${entry.pid}`);
  }
  return processes;
}

/** The function processes that logged their first line between two offsets: started (or first called) meanwhile. */
export function processesStarted(file: string, from: number, to: number): number {
  const before = processesBetween(file, 0, from);
  return [...processesBetween(file, from, to)].filter((name) => !before.has(name)).length;
}
