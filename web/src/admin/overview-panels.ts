import type { JobWithId } from '@async-jobs/client';
import type { Firestore } from 'firebase/firestore';
import { describeCallError, formatDuration } from '../format';
import { barGeometry, renderBarChart } from './bar-chart';
import { JOB_STATES, POOLS, REFRESH_MS } from './console-queries';
import { countByPoolAndState, countEnded, poolQueue, watchLatestFailures, type PoolQueue } from './console-store';
import { bucketsAt, bucketsToCount, counted, failureRate, pruneKnown, totals, type CountedBucket } from './throughput';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function cells(tag: 'td' | 'th', values: readonly string[]): HTMLElement[] {
  return values.map((value) => {
    const cell = document.createElement(tag);
    cell.textContent = value;
    if (tag === 'th') cell.setAttribute('scope', 'col');
    return cell;
  });
}

function row(tag: 'td' | 'th', values: readonly string[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.append(...cells(tag, values));
  return tr;
}

function renderCounts(counts: Map<string, Record<string, number>>): void {
  const table = byId<HTMLTableElement>('counts');
  table.tHead?.replaceChildren(row('th', ['Pool', ...JOB_STATES]));
  table.tBodies[0]?.replaceChildren(
    ...[...counts].map(([pool, byState]) => {
      const tr = row('td', [pool, ...JOB_STATES.map((state) => String(byState[state] ?? 0))]);
      tr.dataset.pool = pool;
      return tr;
    }),
  );
}

function renderPools(queues: readonly (readonly [string, PoolQueue])[], now: number): void {
  byId<HTMLTableElement>('pools').tBodies[0]?.replaceChildren(
    ...queues.map(([pool, queue]) => {
      const oldest = queue.oldestCreateTime === undefined ? '—' : formatDuration(now - queue.oldestCreateTime);
      const tr = row('td', [pool, String(queue.waiting), oldest]);
      tr.dataset.pool = pool;
      return tr;
    }),
  );
}

/** The chart's counts per span, by span start: ended spans keep their final counts (throughput.ts). */
const knownSpans = new Map<number, CountedBucket>();

async function refreshChart(db: Firestore, now: number): Promise<void> {
  const buckets = bucketsAt(now);
  pruneKnown(buckets, knownSpans);
  await Promise.all(
    bucketsToCount(buckets, knownSpans).map(async (bucket) => {
      knownSpans.set(bucket.start, counted(bucket, await countEnded(db, bucket), Date.now()));
    }),
  );
  const counts = buckets.map((bucket) => knownSpans.get(bucket.start) ?? { completed: 0, failed: 0 });
  renderBarChart(byId<HTMLElement>('chart') as unknown as SVGSVGElement, barGeometry(buckets, counts));
  const hour = totals(counts);
  const rate = failureRate(hour);
  byId('chart-summary').textContent =
    `${hour.completed} completed and ${hour.failed} failed in the last hour` +
    (rate === undefined ? '.' : `: ${(rate * 100).toFixed(1)}% failed.`);
}

/** Runs every count of the overview once: the counts table, the pools' queues and the chart. */
async function refresh(db: Firestore): Promise<void> {
  const now = Date.now();
  const [counts, queues] = await Promise.all([
    countByPoolAndState(db, POOLS),
    Promise.all(POOLS.map(async (pool) => [pool, await poolQueue(db, pool)] as const)),
    refreshChart(db, now),
  ]);
  renderCounts(counts);
  renderPools(queues, now);
  byId('refreshed-at').textContent = new Date().toLocaleTimeString();
}

function renderFailures(jobs: readonly JobWithId[], select: (id: string) => void): void {
  byId('failures-empty').hidden = jobs.length > 0;
  byId('failures').replaceChildren(
    ...jobs.map((job) => {
      const li = document.createElement('li');
      li.dataset.jobId = job.id;
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'link-button';
      open.textContent = job.id;
      open.setAttribute('aria-label', `Show job ${job.id}`);
      open.addEventListener('click', () => select(job.id));
      const ended = job.doneTime ? job.doneTime.toDate().toLocaleTimeString() : '';
      const error = job.error ? `${job.error.code}: ${job.error.message}` : 'no error recorded';
      li.append(open, ` ${job.type} (${job.pool ?? 'standard'}), owner ${job.owner}, at ${ended}: ${error}`);
      return li;
    }),
  );
}

/**
 * The overview: the counts table, the pools' queues and the chart, queried now and every REFRESH_MS (a query's
 * failure is shown and the next refresh tries again), and the latest failures, followed by a listener. Returns
 * what stops them.
 */
export function startOverview(db: Firestore, select: (id: string) => void): () => void {
  const error = byId('console-error');
  const run = () =>
    refresh(db).then(
      () => (error.textContent = ''),
      (e: unknown) => (error.textContent = `The counts could not be read: ${describeCallError(e)}`),
    );
  void run();
  const timer = setInterval(() => void run(), REFRESH_MS);
  const stopFailures = watchLatestFailures(
    db,
    (jobs) => renderFailures(jobs, select),
    (e) => (error.textContent = `Live failures stopped (${e.code}); reload the page.`),
  );
  return () => {
    clearInterval(timer);
    stopFailures();
  };
}
