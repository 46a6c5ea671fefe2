/** Per-job operation counts and what they cost at list prices; pure. */
import type { Counts } from './op-log';
import { defaultCpuForMemory, gen1CpuForMemory, PRICES } from './prices';

/** Memory and CPU of a function, as its module declares them (firebase-functions' `__endpoint`). */
export interface FunctionResources {
  memoryMiB: number;
  vcpu: number;
}

export interface JobCost {
  reads: number;
  writes: number;
  deletes: number;
  publishes: number;
  invocations: number;
  /** Firestore RPCs (round trips), by method. */
  rpcs: Counts;
  /** Billable function time: each invocation's time rounded up to 100 ms, in vCPU-seconds and GiB-seconds. */
  vcpuSeconds: number;
  gibSeconds: number;
  /** US dollars per million jobs, by part, at PRICES. */
  perMillion: { firestore: number; functions: number; pubsub: number; total: number };
}

/**
 * Per-job figures from the counts of a phase that ran `jobs` jobs. Function time is what the emulator measured
 * per invocation, rounded up to 100 ms as Cloud Run bills it, each invocation billed as if it had its instance to
 * itself (concurrency 1): an estimate of production's, and an upper bound for a function with concurrency > 1,
 * whose concurrent requests share an instance's billed time.
 */
export function jobCost(
  byRole: Map<string, Counts>,
  jobs: number,
  resources: (role: string) => FunctionResources,
): JobCost {
  const total = (key: string) => [...byRole.values()].reduce((sum, c) => sum + (c[key] ?? 0), 0) / jobs;
  let vcpuSeconds = 0;
  let gibSeconds = 0;
  for (const [role, counts] of byRole) {
    const seconds = (counts.invocationBilledMs ?? 0) / 1000 / jobs;
    if (seconds === 0) continue;
    const { memoryMiB, vcpu } = resources(role);
    vcpuSeconds += seconds * vcpu;
    gibSeconds += (seconds * memoryMiB) / 1024;
  }
  const rpcs: Counts = {};
  for (const counts of byRole.values())
    for (const [key, n] of Object.entries(counts))
      if (key.startsWith('rpc.')) rpcs[key.slice(4)] = (rpcs[key.slice(4)] ?? 0) + n / jobs;
  const reads = total('firestore.reads');
  const writes = total('firestore.writes');
  const deletes = total('firestore.deletes');
  const publishes = total('pubsub.publishes');
  const invocations = total('invocations');
  const million = 1_000_000;
  const firestore =
    million * (reads * PRICES.firestoreRead + writes * PRICES.firestoreWrite + deletes * PRICES.firestoreDelete);
  const functions =
    million *
    (invocations * PRICES.functionInvocation +
      vcpuSeconds * PRICES.functionVcpuSecond +
      gibSeconds * PRICES.functionGibSecond);
  // Each published message is billed once when published and once when delivered (a push to the worker).
  const pubsub = million * publishes * 2 * PRICES.pubsubPerMessage;
  return {
    reads,
    writes,
    deletes,
    publishes,
    invocations,
    rpcs,
    vcpuSeconds,
    gibSeconds,
    perMillion: { firestore, functions, pubsub, total: firestore + functions + pubsub },
  };
}

/**
 * A function's resources from its module's `__endpoint`: memory defaults to 256 MiB; CPU is the number it sets,
 * the 1st-gen tier for `"gcf_gen1"`, or firebase-functions' default.
 */
export function resourcesOf(endpoint: { availableMemoryMb?: unknown; cpu?: unknown } | undefined): FunctionResources {
  const memoryMiB = typeof endpoint?.availableMemoryMb === 'number' ? endpoint.availableMemoryMb : 256;
  const cpu = endpoint?.cpu;
  const vcpu =
    typeof cpu === 'number' ? cpu : cpu === 'gcf_gen1' ? gen1CpuForMemory(memoryMiB) : defaultCpuForMemory(memoryMiB);
  return { memoryMiB, vcpu };
}
