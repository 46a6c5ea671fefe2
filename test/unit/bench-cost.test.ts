/**
 * The bench's cost arithmetic (bench/cost.ts): per-job averages of the counted operations, and their price.
 */
import assert from 'node:assert/strict';
import { jobCost, resourcesOf } from '../../bench/cost';
import type { Counts } from '../../bench/op-log';
import { PRICES } from '../../bench/prices';

const MiB256 = { memoryMiB: 256, vcpu: 0.167 };

describe('bench cost per job', () => {
  const counts = new Map<string, Counts>([
    ['client', { 'firestore.reads': 20, 'rpc.Listen': 10 }],
    [
      'createJob',
      {
        'firestore.reads': 10,
        'firestore.writes': 10,
        'pubsub.publishes': 10,
        invocations: 10,
        invocationBilledMs: 2000,
      },
    ],
    ['runJob', { 'firestore.writes': 20, 'firestore.deletes': 10, invocations: 10, invocationBilledMs: 10_000 }],
  ]);
  const cost = jobCost(counts, 10, () => MiB256);

  it('averages every process’s counts over the jobs', () => {
    assert.equal(cost.reads, 3);
    assert.equal(cost.writes, 3);
    assert.equal(cost.deletes, 1);
    assert.equal(cost.publishes, 1);
    assert.equal(cost.invocations, 2);
    assert.deepEqual(cost.rpcs, { Listen: 1 });
  });

  it('bills function time as memory and CPU times the billed seconds', () => {
    // 1.2 billed seconds per job at 0.167 vCPU and 0.25 GiB.
    assert.ok(Math.abs(cost.vcpuSeconds - 1.2 * 0.167) < 1e-9);
    assert.ok(Math.abs(cost.gibSeconds - 1.2 * 0.25) < 1e-9);
  });

  it('prices a million jobs at the list prices', () => {
    const m = 1_000_000;
    const firestore = m * (3 * PRICES.firestoreRead + 3 * PRICES.firestoreWrite + PRICES.firestoreDelete);
    assert.ok(Math.abs(cost.perMillion.firestore - firestore) < 1e-9);
    assert.ok(Math.abs(cost.perMillion.firestore - 3.7) < 1e-9, '3 reads, 3 writes, 1 delete: $3.70 per million');
    const functions =
      m *
      (2 * PRICES.functionInvocation +
        cost.vcpuSeconds * PRICES.functionVcpuSecond +
        cost.gibSeconds * PRICES.functionGibSecond);
    assert.ok(Math.abs(cost.perMillion.functions - functions) < 1e-9);
    assert.ok(Math.abs(cost.perMillion.pubsub - m * 2 * PRICES.pubsubPerMessage) < 1e-9);
    const { firestore: f, functions: fn, pubsub, total } = cost.perMillion;
    assert.ok(Math.abs(total - (f + fn + pubsub)) < 1e-9);
  });

  it('takes a function’s memory and CPU from its endpoint, with firebase-functions’ defaults', () => {
    assert.deepEqual(resourcesOf(undefined), { memoryMiB: 256, vcpu: 1 }, 'a whole vCPU up to 2 GiB by default');
    assert.deepEqual(resourcesOf({ availableMemoryMb: 4096 }), { memoryMiB: 4096, vcpu: 2 });
    assert.deepEqual(resourcesOf({ availableMemoryMb: 1024, cpu: 0.5 }), { memoryMiB: 1024, vcpu: 0.5 });
    assert.deepEqual(resourcesOf({ availableMemoryMb: null, cpu: 'gcf_gen1' }), { memoryMiB: 256, vcpu: 0.167 });
    assert.deepEqual(resourcesOf({ availableMemoryMb: 512, cpu: 'gcf_gen1' }), { memoryMiB: 512, vcpu: 0.333 });
  });
});
