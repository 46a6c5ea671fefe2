import type { JobState, TerminalJobState } from '@async-jobs/contract';

/** Every state, in the order a job moves through them (the diagram is in @async-jobs/contract's job-state.ts). */
export const JOB_STATES = [
  'CREATED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
] as const satisfies readonly JobState[];

// JOB_STATES names every state of the contract: a state added there and not here fails this line.
const EVERY_STATE_LISTED: Exclude<JobState, (typeof JOB_STATES)[number]> extends never ? true : never = true;
void EVERY_STATE_LISTED;

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

/** Narrows an unknown value (say, a field read from a document) to a JobState. */
export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}
