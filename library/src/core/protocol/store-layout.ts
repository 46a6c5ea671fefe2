/** Slot ids are zero-padded to this many digits, so their id order is their index order. */
const SLOT_ID_DIGITS = 6;

/**
 * Where the protocol keeps its documents, from the name of the jobs collection:
 *
 * - `jobs/{id}`: the job documents, the only ones clients read (their own, through the security rules), with
 *   `jobs/{id}/steps/{name}`: the results of a job's steps, done;
 * - `jobOwners/{uid}`: one per owner, the point that orders an owner's creates that wait (their fair ranks) and
 *   holds the places of its `:wait` requests;
 * - `jobPools/{pool}`: the pool's mark of the recovery sweep's last run over it (`lastSweepTime`), with
 *   `jobPools/{pool}/slots/{index}`: one per worker slot of a pool, held or free (the job that holds one says so).
 *
 * Another jobs collection name (a test's own) gets its own pair (`fooOwners`, `fooPools`), so two never mix.
 */
export class StoreLayout {
  readonly jobs: string;
  readonly owners: string;
  readonly pools: string;

  constructor(jobsCollection = 'jobs') {
    const stem = jobsCollection.endsWith('s') ? jobsCollection.slice(0, -1) : jobsCollection;
    this.jobs = jobsCollection;
    this.owners = `${stem}Owners`;
    this.pools = `${stem}Pools`;
  }

  job(id: string): string {
    return `${this.jobs}/${id}`;
  }

  /** The collection of a job's steps, done. */
  steps(jobId: string): string {
    return `${this.job(jobId)}/steps`;
  }

  step(jobId: string, name: string): string {
    return `${this.steps(jobId)}/${name}`;
  }

  owner(uid: string): string {
    return `${this.owners}/${uid}`;
  }

  /** A pool's own document. */
  pool(pool: string): string {
    return `${this.pools}/${pool}`;
  }

  /** The collection of a pool's slot documents. */
  slots(pool: string): string {
    return `${this.pools}/${pool}/slots`;
  }

  slot(pool: string, index: number): string {
    return `${this.slots(pool)}/${slotId(index)}`;
  }
}

/** A slot's document id: its index, zero-padded. */
export function slotId(index: number): string {
  return String(index).padStart(SLOT_ID_DIGITS, '0');
}

/** The id of the document at a path: its last segment. */
export function idOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
