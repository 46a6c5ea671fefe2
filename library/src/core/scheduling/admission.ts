/**
 * Admission: at most `limit` jobs not done per owner, exactly, however many creates run at once. The count is kept
 * in shards (a counter document each in Firestore): a create takes room in one shard with a transaction on that
 * shard alone, and a job's end gives it back. One counter written by every create and end of a busy owner would be
 * written far more often than Firestore's one write a second per document; shards spread those writes, and their
 * capacities add up to the limit exactly, so the limit holds without a lock on the owner's jobs.
 */

/** Shards of an owner's count: at most 16, and none that could hold nothing. */
export const MAX_ADMISSION_SHARDS = 16;

/** How many jobs not done each shard may hold for `limit`: they add up to `limit` exactly. */
export function admissionShardCapacities(limit: number): number[] {
  const whole = Math.max(0, Math.floor(limit));
  const shards = Math.max(1, Math.min(MAX_ADMISSION_SHARDS, whole));
  const base = Math.floor(whole / shards);
  return Array.from({ length: shards }, (_, k) => base + (k < whole % shards ? 1 : 0));
}

/**
 * The order in which a create tries the shards: every shard once, starting at a random one, so creates spread
 * over the shards and a create is refused only when every shard is full. `random` is in [0, 1).
 */
export function admissionShardOrder(shardCount: number, random: () => number): number[] {
  const start = Math.floor(random() * shardCount);
  return Array.from({ length: shardCount }, (_, i) => (start + i) % shardCount);
}
