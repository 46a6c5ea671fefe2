/**
 * Each owner's count of jobs not done, in shards (the counter documents of core/scheduling/admission.ts): a create
 * counts its job in one shard, and the write that ends the job takes it out of the same shard.
 */
export class AdmissionCounters {
  private readonly shardsByOwner = new Map<string, Map<number, number>>();
  /** The last rank each of an owner's shards gave, kept when the shard's count drops to nothing. */
  private readonly lastRanks = new Map<string, number>();

  /** The last rank the owner's shard gave a job it admitted; undefined before its first. */
  lastRank(owner: string, shard: number): number | undefined {
    return this.lastRanks.get(`${owner}\u0000${shard}`);
  }

  /** How many jobs the owner's shard counts. */
  held(owner: string, shard: number): number {
    return this.shardsByOwner.get(owner)?.get(shard) ?? 0;
  }

  /** How many jobs the owner's shards count, all together. */
  total(owner: string): number {
    let sum = 0;
    for (const held of this.shardsByOwner.get(owner)?.values() ?? []) sum += held;
    return sum;
  }

  /** The count of each of the owner's shards that counts anything, by shard. */
  shardsOf(owner: string): Map<number, number> {
    return new Map(this.shardsByOwner.get(owner));
  }

  /** Counts one job more in the owner's shard, admitted with `rank`. */
  add(owner: string, shard: number, rank: number): void {
    this.change(owner, shard, 1);
    this.lastRanks.set(`${owner}\u0000${shard}`, rank);
  }

  /** Counts one job fewer in the owner's shard: a job is counted once, when created, and ends once. */
  remove(owner: string, shard: number): void {
    this.change(owner, shard, -1);
  }

  private change(owner: string, shard: number, by: number): void {
    let shards = this.shardsByOwner.get(owner);
    if (!shards) this.shardsByOwner.set(owner, (shards = new Map<number, number>()));
    const held = (shards.get(shard) ?? 0) + by;
    if (held === 0) shards.delete(shard);
    else shards.set(shard, held);
    if (shards.size === 0) this.shardsByOwner.delete(owner);
  }
}
