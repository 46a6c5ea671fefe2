/**
 * How long the last run of each task type took in this worker process. The worker reads its pool's queue beside a
 * claim (for the end to hand the slot on without reading it again) only for a type whose last run was short enough
 * for that read to still be fresh at the end; for a longer one the read would be one wasted.
 */
export class RecentRunTimes {
  private readonly lastRunMillis = new Map<string, number>();

  record(type: string, runMillis: number): void {
    this.lastRunMillis.set(type, runMillis);
  }

  /** Whether the type's last run here took at most `ms` (true for a type not run here yet). */
  lastRunWithin(type: string, ms: number): boolean {
    const last = this.lastRunMillis.get(type);
    return last === undefined || last <= ms;
  }
}
