/**
 * List prices the cost table uses, in US dollars, before free tiers, for a Tier 1 region (us-central1).
 * Checked on 2026-11-28 against cloud.google.com/firestore/pricing (Standard edition, regional us-central1),
 * cloud.google.com/run/pricing (Cloud Run functions = 2nd gen, request-based billing, Tier 1) and
 * cloud.google.com/pubsub/pricing. Prices change: check those pages before relying on the figures.
 */
export const PRICES = {
  date: '2026-11-28',
  firestoreRead: 0.03 / 100_000,
  firestoreWrite: 0.09 / 100_000,
  firestoreDelete: 0.01 / 100_000,
  /** Per request (invocation). */
  functionInvocation: 0.4 / 1_000_000,
  /** Per vCPU-second of billable instance time (request time rounded up to 100 ms). */
  functionVcpuSecond: 0.000024,
  /** Per GiB-second of billable instance time. */
  functionGibSecond: 0.0000025,
  /** Pub/Sub bills throughput at $40 per TiB, with at least 1000 bytes per publish and per delivery. */
  pubsubPerMessage: (40 / 2 ** 40) * 1000,
} as const;

/** vCPU of a 2nd-gen function with `cpu: "gcf_gen1"`: the 1st-gen tier for its memory. */
export function gen1CpuForMemory(memoryMiB: number): number {
  if (memoryMiB <= 128) return 0.083;
  if (memoryMiB <= 256) return 0.167;
  if (memoryMiB <= 512) return 0.333;
  if (memoryMiB <= 1024) return 0.583;
  if (memoryMiB <= 2048) return 1;
  if (memoryMiB <= 8192) return 2;
  return 4;
}

/**
 * vCPU of a 2nd-gen function that sets no `cpu`: firebase-functions' default is 1 up to 2 GiB and more above
 * (its GlobalOptions.cpu documentation), not the 1st-gen tiers.
 */
export function defaultCpuForMemory(memoryMiB: number): number {
  if (memoryMiB <= 2048) return 1;
  if (memoryMiB <= 8192) return 2;
  if (memoryMiB <= 16384) return 4;
  return 8;
}
