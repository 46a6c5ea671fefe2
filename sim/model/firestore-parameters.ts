/**
 * What the simulation's Firestore model (firestore-model.ts) charges, each figure with where it comes from. The
 * latencies were measured on the Firestore emulator through the project's own Firestore adapter by
 * `npm run simulate:measure` (sim/measure-emulator.ts) on 2026-12-04 (2 cores, Cloud SDK emulator 1.19.9, 100
 * samples each): a lognormal with the measured median, and the spread that gives the measured 90th percentile.
 * The limits are Firestore's documented ones (docs/capacity.md cites them); the rest are stated assumptions.
 */

/** A round trip's latency: lognormal with this median and spread (σ of its logarithm). */
export interface Latency {
  medianMs: number;
  sigma: number;
}

export interface FirestoreParameters {
  get: Latency;
  query: Latency;
  count: Latency;
  /** A commit of one write; each further write adds `commitPerWriteMs` to its median. */
  commit: Latency;
  commitPerWriteMs: number;
  /** From a commit to a listener hearing of it. */
  listen: Latency;
  /**
   * Each document's write rate: `perSecond` sustained, with `burst` writes absorbed at once. A commit waits until
   * every document it writes is within its rate.
   */
  documentWrites: { perSecond: number; burst: number };
  /** How long a commit holds each document it writes: commits to one document are one at a time. */
  commitHoldMs: number;
  /** A commit whose documents are not free within this long is aborted (ABORTED: too much contention). */
  contentionTimeoutMs: number;
  /** Commits aborted at random (ABORTED, nothing applied), as a scenario says. */
  abortRate: number;
  /** Commits applied whose answer is lost (UNAVAILABLE), as a scenario says. */
  ambiguousRate: number;
}

/** The spread of a lognormal whose 90th percentile is `p90` for median `p50`. */
const spread = (p50: number, p90: number) => Math.log(p90 / p50) / 1.2816;

/** Measured on the emulator (see the top of this file): median and 90th percentile, ms. */
export const MEASURED = {
  get: { p50: 8.3, p90: 12.7 },
  query: { p50: 14.6, p90: 29.2 },
  count: { p50: 9.7, p90: 15.3 },
  commit: { p50: 4.4, p90: 8.3 },
  commit500: { p50: 51.2, p90: 105.3 },
  listen: { p50: 5.6, p90: 10.2 },
} as const;

const latency = ({ p50, p90 }: { p50: number; p90: number }): Latency => ({ medianMs: p50, sigma: spread(p50, p90) });

/** The model with no faults drawn: a scenario sets `abortRate` and `ambiguousRate`. */
export const FIRESTORE: FirestoreParameters = {
  get: latency(MEASURED.get),
  query: latency(MEASURED.query),
  count: latency(MEASURED.count),
  commit: latency(MEASURED.commit),
  commitPerWriteMs: (MEASURED.commit500.p50 - MEASURED.commit.p50) / 499,
  listen: latency(MEASURED.listen),
  // Firestore's documented limit: about one sustained write a second per document (docs/capacity.md). The burst
  // is an assumption: a job's own writes (create, send, claim, end) land within a second or two, and Firestore
  // takes such a short run; what it does not take is a rate kept up, which the minute averages measure.
  documentWrites: { perSecond: 1, burst: 5 },
  // A commit holds its documents for a one-write commit's median time, measured on the emulator.
  commitHoldMs: MEASURED.commit.p50,
  // An assumption: a commit queued this long behind others on its documents is aborted as contended.
  contentionTimeoutMs: 10_000,
  abortRate: 0,
  ambiguousRate: 0,
};
