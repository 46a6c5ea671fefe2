/**
 * A job's state. Strings (not the seed's ints) so a document reads on its own in the console.
 *
 *   CREATED ──claim──▶ RUNNING ──handler returns──────────────▶ COMPLETED
 *      ▲                  │ ├──permanent error, last attempt,──▶ FAILED
 *      └──transient error─┘ │  time limit, or lost lease at the last attempt
 *         or lost lease     │
 *      CREATED or RUNNING ──┴──cancel─────────────────────────▶ CANCELLED
 *
 * CREATED means queued: waiting for a worker, the first time or (attempts > 0, `error` set) for a retry.
 */
export type JobState = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** The states a job never leaves. */
export type TerminalJobState = Extract<JobState, 'COMPLETED' | 'FAILED' | 'CANCELLED'>;
