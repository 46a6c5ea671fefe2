import type { Millis } from '../job';
import type { StoredDocument, StoreValue, Write } from '../ports/document-store';
import { read } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { countActiveJobs } from './admission';
import { ownerLastWaitingRank, queueFront } from './pool-queue';

/**
 * What the owner's document (`jobOwners/{uid}`) records of the commits that give the owner's jobs fair ranks: a
 * create whose jobs wait, a wake-up that puts a parked job back in its pool's queue. Each such commit is fenced on
 * the document's version, so they happen one after another, and each records:
 * - `creates`: how many such commits there have been;
 * - `queued`: how many jobs creates have made waiting (a wake-up's job was counted when it was created);
 * - `ranks.{pool}`: `{ rank, at }`, the highest rank the pool's last such commit gave, and the `creates` it wrote.
 *
 * So a create whose commit lost the fence to another of its owner's commits learns from the document alone what
 * those commits did since it read it (turnsSince): the ranks they gave and the jobs they added. It decides
 * again on one read of the document, beside one of the queue's front, instead of counting and querying again.
 */
export interface OwnerTurns {
  /** The document's version: the fence of the next commit (undefined: there is none yet). */
  version?: string;
  creates: number;
  queued: number;
  ranks: Readonly<Record<string, { rank: number; at: number }>>;
}

const numberOr = (value: StoreValue | undefined, otherwise: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : otherwise;

/** The owner's document as the ranking commits use it; every field absent counts as none made yet. */
export function ownerTurnsOf(doc: StoredDocument | undefined): OwnerTurns {
  const data = doc?.data;
  const ranks: Record<string, { rank: number; at: number }> = {};
  const stored = data?.ranks;
  if (typeof stored === 'object' && stored !== null && !Array.isArray(stored)) {
    for (const [pool, entry] of Object.entries(stored as Record<string, StoreValue>)) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
      const { rank, at } = entry as Record<string, StoreValue>;
      if (typeof rank === 'number' && typeof at === 'number') ranks[pool] = { rank, at };
    }
  }
  return {
    ...(doc ? { version: doc.version } : {}),
    creates: numberOr(data?.creates, 0),
    queued: numberOr(data?.queued, 0),
    ranks,
  };
}

/**
 * The reads a ranking commit decides on, in the order its fence needs: the owner's document first, then at once the
 * owner's jobs not done (with `countActive`, else 0), the pool's queue front and the owner's last waiting rank in it.
 * So another ranking commit of the owner either committed before the document's read, and is ranked and counted
 * here, or commits after it and fails this one's fence.
 */
export async function readOwnerTurn(
  access: StoreAccess,
  owner: string,
  pool: string,
  countActive: boolean,
  deadline: Millis,
): Promise<{ turns: OwnerTurns; front: number; last: number | undefined; active: number }> {
  const turns = ownerTurnsOf(await read(access, () => access.store.get(access.layout.owner(owner)), deadline));
  const [active, front, last] = await Promise.all([
    countActive ? countActiveJobs(access, owner, deadline) : Promise.resolve(0),
    queueFront(access, pool, deadline),
    ownerLastWaitingRank(access, pool, owner, deadline),
  ]);
  return { turns, front, last, active };
}

/**
 * What the owner's ranking commits did after `earlier` was read, as `later` shows: the jobs their creates made
 * waiting, and the highest rank they gave in `pool` (undefined: none there).
 */
export function turnsSince(
  earlier: Pick<OwnerTurns, 'creates' | 'queued'>,
  later: OwnerTurns,
  pool: string,
): { queued: number; lastRank: number | undefined } {
  const entry = later.ranks[pool];
  return {
    queued: Math.max(0, later.queued - earlier.queued),
    lastRank: entry !== undefined && entry.at > earlier.creates ? entry.rank : undefined,
  };
}

/**
 * The write a ranking commit makes to the owner's document at `path`, as read (`turns`): fenced on that version (or
 * a create, when there was none), recording that it gave ranks up to `lastRank` in `pool` and made `queued` jobs
 * waiting (0 for a wake-up).
 */
export function ownerTurnWrite(path: string, turns: OwnerTurns, pool: string, lastRank: number, queued: number): Write {
  const creates = turns.creates + 1;
  const data = {
    creates,
    queued: turns.queued + queued,
    ranks: { ...turns.ranks, [pool]: { rank: lastRank, at: creates } },
  };
  return turns.version === undefined
    ? { op: 'create', path, data }
    : { op: 'update', path, data, ifVersion: turns.version };
}
