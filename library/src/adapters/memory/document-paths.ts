/**
 * The paths of the documents the in-memory repository writes, named as the Firestore adapter names them
 * (adapters/firestore/scheduling-collections.ts): a job; beside the jobs collection, per owner its document (which
 * holds its wait places) and the shards of its admission count, and per pool its worker slots. A commit records
 * the paths it wrote (see DocumentWriteLog), so a test or the simulation can tell how often each document is
 * written; Firestore sustains about one write a second per document.
 */
export class DocumentPaths {
  private readonly owners: string;
  private readonly pools: string;

  /** The paths beside `collection`: `jobs` → `jobOwners` and `jobPools`. */
  constructor(readonly collection = 'jobs') {
    const stem = collection.endsWith('s') ? collection.slice(0, -1) : collection;
    this.owners = `${stem}Owners`;
    this.pools = `${stem}Pools`;
  }

  /** The job `id`. */
  job(id: string): string {
    return `${this.collection}/${id}`;
  }

  /** The owner's document, which holds the places of its requests waiting on jobs. */
  owner(owner: string): string {
    return `${this.owners}/${owner}`;
  }

  /** Shard `shard` of the owner's count of jobs not done. */
  admissionShard(owner: string, shard: number): string {
    return `${this.owner(owner)}/admission/${shard}`;
  }

  /** Worker slot `index` of `pool`. */
  slot(pool: string, index: number): string {
    return `${this.pools}/${pool}/slots/${index}`;
  }
}
