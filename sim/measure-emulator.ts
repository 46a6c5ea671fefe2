/**
 * `npm run simulate:measure`: measures on the Firestore emulator what the simulation's Firestore model charges for
 * each call of the document-store port (sim/model/firestore-parameters.ts), through the project's own Firestore
 * adapter, so the model's figures can be reproduced: the median and 90th percentile of each call's round trip, and
 * of a listener's notice of a commit. Prints a markdown table; nothing is written.
 */
import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { FirestoreDocumentStore } from '../library/src/adapters/firestore/firestore-document-store';
import type { DocumentStore, Write } from '../library/src/core/ports/document-store';
import { percentile } from './model/metrics';

const SAMPLES = Number(process.env.MEASURE_SAMPLES ?? 200);
const root = `measure-${Date.now()}`;

async function timed(samples: number, work: (i: number) => Promise<unknown>): Promise<number[]> {
  console.error(`measuring ${samples} samples`);
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await work(i);
    out.push(performance.now() - start);
  }
  return out;
}

async function listenerNotice(store: DocumentStore, path: string, samples: number): Promise<number[]> {
  const out: number[] = [];
  let resolveNext: ((at: number) => void) | undefined;
  const stop = store.watch(
    path,
    () => resolveNext?.(performance.now()),
    (e) => {
      throw e;
    },
  );
  await new Promise<void>((resolve) => {
    resolveNext = () => resolve();
  });
  for (let i = 0; i < samples; i++) {
    const seen = new Promise<number>((resolve) => (resolveNext = resolve));
    const start = performance.now();
    await store.commit([{ op: 'set', path, data: { notice: `${root}-${i}` }, merge: true }]);
    out.push((await seen) - start);
  }
  stop();
  return out;
}

async function main(): Promise<void> {
  const app = getApps()[0] ?? initializeApp({ projectId: process.env.GCLOUD_PROJECT ?? 'demo-async-jobs' });
  const store = new FirestoreDocumentStore(getFirestore(app), new Set(['dueTime']));
  const collection = `${root}-docs`;
  const path = (i: number) => `${collection}/d${String(i).padStart(4, '0')}`;
  await Promise.all(
    Array.from({ length: 20 }, (_, chunk) =>
      store.commit(
        Array.from({ length: 50 }, (_, j): Write => {
          const i = chunk * 50 + j;
          return { op: 'set', path: path(i), data: { i, group: i % 10, waiting: i % 2 === 0 } };
        }),
      ),
    ),
  );
  const rows: [string, number[]][] = [];
  rows.push(['get (one document)', await timed(SAMPLES, (i) => store.get(path(i % 1000)))]);
  rows.push([
    'query (equality and order, limit 3)',
    await timed(SAMPLES, (i) =>
      store.query({
        collection,
        where: [{ field: 'group', op: '==', value: i % 10 }],
        orderBy: [{ field: 'i', direction: 'asc' }],
        limit: 3,
      }),
    ),
  ]);
  rows.push([
    'count (equality, ~100 matches)',
    await timed(SAMPLES, (i) => store.count({ collection, where: [{ field: 'group', op: '==', value: i % 10 }] })),
  ]);
  rows.push([
    'commit (one update)',
    await timed(SAMPLES, (i) => store.commit([{ op: 'update', path: path(i % 1000), data: { n: i } }])),
  ]);
  const fenced: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const doc = await store.get(path(i % 1000));
    const start = performance.now();
    await store.commit([
      { op: 'update', path: path(i % 1000), data: { n: i }, ifVersion: doc?.version ?? '' },
      { op: 'update', path: path((i + 1) % 1000), data: { n: i } },
    ]);
    fenced.push(performance.now() - start);
  }
  rows.push(['commit (two updates, one fenced)', fenced]);
  const big = await timed(Math.max(5, Math.floor(SAMPLES / 20)), (i) =>
    store.commit(
      Array.from({ length: 500 }, (_, j): Write => ({ op: 'set', path: `${collection}-big/b${i}-${j}`, data: { j } })),
    ),
  );
  rows.push(['commit (500 creates)', big]);
  rows.push(['listener notice of a commit', await listenerNotice(store, path(0), SAMPLES)]);
  console.log(`Firestore emulator, ${SAMPLES} samples each (500-create commits: ${big.length}), ms:\n`);
  console.log('| call | p50 | p90 |');
  console.log('| --- | ---: | ---: |');
  for (const [name, times] of rows) {
    console.log(`| ${name} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 90).toFixed(1)} |`);
  }
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
