/**
 * The order in which a pool's waiting jobs get a free worker slot: start-time fair queueing with a job count as
 * virtual time. Each job gets a rank when it is created: one more than its owner's last waiting job, and one more
 * than the last rank its admission shard gave (so a burst of one owner's creates, which all read the same "last
 * waiting job", still climbs: at most one job per shard, 16, shares a rank), but never less than the pool's
 * frontier (the highest rank already dispatched). A waiting job with the lowest rank goes first. So the owners who
 * are waiting take turns (each one's next jobs have about the same rank), a flood of one owner's jobs lines up
 * behind everyone else's next job, and an owner who comes back after a while starts at the frontier, neither ahead
 * of those waiting nor behind for what they ran before.
 */
export function fairRank(frontier: number, ...lastRanks: readonly (number | undefined)[]): number {
  return Math.max(frontier, ...lastRanks.map((last) => (last === undefined ? frontier : last + 1)));
}
