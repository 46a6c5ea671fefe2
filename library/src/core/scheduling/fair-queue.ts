/**
 * The order in which a pool's waiting jobs get a free worker slot: start-time fair queueing with one job as the
 * unit of virtual time. A job that starts to wait gets a rank: one more than its owner's last waiting job in the
 * pool, or, when the owner has none waiting, the pool's queue front (the lowest rank waiting; see
 * protocol/pool-queue.ts). The waiting job with the lowest rank goes first. So the owners who are waiting take
 * turns (each one's next job has about the same rank), a flood of one owner's jobs lines up behind everyone else's
 * next job, and an owner who comes back starts at the front, neither ahead of those waiting nor behind for what it
 * ran or cancelled before. The creates of one owner are ordered (protocol/create-jobs.ts), so its jobs never share
 * a rank, however many it creates at once.
 */
export function fairRank(front: number, ownerLastWaiting: number | undefined): number {
  return ownerLastWaiting === undefined ? front : Math.max(front, ownerLastWaiting + 1);
}
