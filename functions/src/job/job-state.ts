/**
 * The job state machine. Strings (not the seed's ints) so a document reads on its own in the console.
 *
 *   CREATED ──claim──▶ RUNNING ──handler returns──────────────▶ COMPLETED
 *      ▲                  │ ├──permanent error, last attempt,──▶ FAILED
 *      └──transient error─┘ │  time limit, or lost lease at the last attempt
 *         or lost lease     │
 *      CREATED or RUNNING ──┴──cancel─────────────────────────▶ CANCELLED
 *
 * CREATED means queued: waiting for a worker, the first time or (attempts > 0, `error` set) for a retry.
 */
export const JOB_STATES = ['CREATED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;

export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves. */
export type TerminalJobState = Extract<JobState, 'COMPLETED' | 'FAILED' | 'CANCELLED'>;

const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  CREATED: ['RUNNING', 'FAILED', 'CANCELLED'],
  // Back to CREATED: a transient failure or an expired lease queues the job for another attempt.
  RUNNING: ['CREATED', 'COMPLETED', 'FAILED', 'CANCELLED'],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
};

/** True for the states nothing may overwrite. */
export function isTerminal(state: JobState): state is TerminalJobState {
  return TRANSITIONS[state].length === 0;
}

/** Whether the state machine allows `from` → `to`. */
export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Narrows an unknown value (say, a field read from Firestore) to a JobState. */
export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}
