/**
 * The types of this project's own task types, `sleep` and `primes`: what its functions, its web app and its tests
 * share, as an app shares its own. They extend @async-jobs/contract's TaskTypes, so the typed client checks calls
 * against them, and the functions' schemas `satisfies` them, so the two cannot drift.
 */

/** The input of the `sleep` task: the seed tutorial's body. */
export interface SleepInput {
  /** Seconds the task takes, 0 to 420, as in the seed's `{"worktime":40}`. */
  worktime: number;
}

/** The `sleep` task's result: the seed's `"OK completed"`. */
export type SleepResult = string;

/** The input of the `primes` task. */
export interface PrimesInput {
  /** Count the primes p with 2 ≤ p < below; below is an integer from 2 to 10⁹. */
  below: number;
}

/** The `primes` task's result. */
export interface PrimesResult {
  below: number;
  count: number;
}

declare module '@async-jobs/contract' {
  interface TaskTypes {
    sleep: { input: SleepInput; result: SleepResult };
    primes: { input: PrimesInput; result: PrimesResult };
  }
}
