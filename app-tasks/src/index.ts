/**
 * The types of this project's own task types, `sleep`, `primes` and `report`: what its functions, its web app and its tests
 * share, as an app shares its own. They extend @async-jobs/contract's TaskTypes, so the typed client checks calls
 * against them, and the functions' schemas `satisfies` them, so the two cannot drift.
 */

// The augmentation at the end needs the contract in the program even where nothing else imports it (this package
// type-checked alone); without the import, tsc refuses it: "Invalid module name in augmentation".
import type {} from '@async-jobs/contract';

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

/** The input of the `report` task: a long job of steps, a sleep and a person's approval. */
export interface ReportInput {
  /** Sections to write, 1 to 20, one step each. */
  sections: number;
  /** Seconds each section takes, 1 to 60. */
  sectionSeconds: number;
  /** Seconds the job sleeps after writing, before it asks for approval (0 to 3600): it holds nothing meanwhile. */
  pauseSeconds: number;
}

/** The payload of the `report` task's signal `approval`: the person's decision. */
export interface ReportApproval {
  approved: boolean;
}

/** The `report` task's result: whether it was published, and why not when it was not. */
export interface ReportResult {
  sections: number;
  published: boolean;
  /** Set when not published: `rejected`, or `no-answer` when nobody answered within the hour. */
  reason?: 'rejected' | 'no-answer';
}

/** The name of the signal the `report` task waits for, whose payload is a ReportApproval. */
export type ReportSignal = 'approval';

declare module '@async-jobs/contract' {
  interface TaskTypes {
    sleep: { input: SleepInput; result: SleepResult };
    primes: { input: PrimesInput; result: PrimesResult };
    report: { input: ReportInput; result: ReportResult };
  }
}
