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

/**
 * The task types this project's functions serve, each with its input and result: what a typed client checks a
 * `createJob` call against.
 */
export interface TaskTypes {
  sleep: { input: SleepInput; result: SleepResult };
  primes: { input: PrimesInput; result: PrimesResult };
}
