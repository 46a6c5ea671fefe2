import type { Millis } from '../core/job';

/** The document written most often within one window of time. */
export interface BusiestDocument {
  path: string;
  /** Writes within the window. */
  writes: number;
  /** When the window starts (the time of its first write). */
  from: Millis;
}

/**
 * Every write of every document, by path, with the simulated time of its commit: a job's, an owner's (its creates
 * that queue and its wait places), a worker slot's. Firestore sustains about one write a second per document, so
 * the busiest document's rate is what a design must keep low.
 */
export class DocumentWriteLog {
  private readonly times = new Map<string, Millis[]>();
  private total = 0;

  /** Records a write of `path` at `time`; times come in the order of the commits, so each path's never go back. */
  record(path: string, time: Millis): void {
    let times = this.times.get(path);
    if (!times) this.times.set(path, (times = []));
    times.push(time);
    this.total += 1;
  }

  /** How many writes were recorded, all documents together. */
  get count(): number {
    return this.total;
  }

  /** The times of the writes of `path`, in order. */
  timesOf(path: string): readonly Millis[] {
    return this.times.get(path) ?? [];
  }

  /** The times of every document's writes, by path, each in order. */
  timesByPath(): Map<string, readonly Millis[]> {
    return new Map(this.times);
  }

  /** How many times each document was written. */
  countsByPath(): Map<string, number> {
    return new Map([...this.times].map(([path, times]) => [path, times.length]));
  }

  /**
   * The document with the most writes within any `windowMs` of time (a window starts at a write and takes every
   * write less than `windowMs` after it), among the paths `include` accepts; undefined when none was written.
   */
  busiest(windowMs: number, include: (path: string) => boolean = () => true): BusiestDocument | undefined {
    let busiest: BusiestDocument | undefined;
    for (const [path, times] of this.times) {
      if (!include(path)) continue;
      let start = 0;
      for (let end = 0; end < times.length; end++) {
        while (times[end] - times[start] >= windowMs) start += 1;
        const writes = end - start + 1;
        if (!busiest || writes > busiest.writes) busiest = { path, writes, from: times[start] };
      }
    }
    return busiest;
  }
}
