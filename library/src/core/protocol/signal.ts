import type { Millis } from '../job';
import { serverTime, type Write } from '../ports/document-store';
import { read, transition, type Decision } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { isParked, jobAt } from './job-record';
import { stepDocumentWrite } from './job-steps';

export type SignalOutcome =
  /** Recorded: the job is due to go on (it is to be woken now). */
  | { kind: 'signalled'; type: string }
  | { kind: 'not-found' }
  /** The job is done, or not waiting for this signal (not yet, or no longer: it timed out or got it already). */
  | { kind: 'not-waiting'; state: string; waitingFor?: string };

/** What recording a signal needs besides the job: the payload as parsed, and how long its step is kept. */
export interface SignalSettings {
  retentionDays: number;
  jobLimitMs: number;
}

/**
 * Records the signal `name` for the owner's job that waits for it (suspended with `waitReason: signal` and
 * `currentStep: name`): the wait's step, its result `{ received: true, payload }`, in one commit with the job due
 * to go on now (`waitReason: continue`), fenced on the job as read. So of a signal and the wait's timeout (the
 * wake-up, protocol/resume.ts), one ends the wait and the other finds it ended; two signals, the same. Another
 * user's job is `not-found`, exactly like a missing one; `owner` undefined is a trusted server's signal, to any
 * owner's job. `payload` is the one the task's schema parsed (the use case checks it on the job's type as read here,
 * through `parse`).
 */
export function signalJob(
  access: StoreAccess,
  owner: string | undefined,
  id: string,
  name: string,
  parse: (type: string) => unknown,
  settings: (type: string) => SignalSettings,
  deadline: Millis,
): Promise<SignalOutcome> {
  const path = access.layout.job(id);
  let recordedFor: string | undefined;
  return transition<SignalOutcome>(
    access,
    async (): Promise<Decision<SignalOutcome>> => {
      const doc = await read(access, () => access.store.get(path), deadline);
      if (!doc) return { answer: { kind: 'not-found' } };
      const { job, version } = jobAt(doc);
      if (owner !== undefined && job.owner !== owner) return { answer: { kind: 'not-found' } };
      // This call's own commit, applied although it reported an error.
      if (recordedFor !== undefined && job.steps?.includes(name) === true && !job.done) {
        return { answer: { kind: 'signalled', type: job.type } };
      }
      // The signal and its payload are checked first (a bad request is refused as such, whatever the job's state).
      const payload = parse(job.type);
      const waiting = isParked(job) && job.waitReason === 'signal' ? job.currentStep : undefined;
      if (job.done || waiting !== name) {
        const waitingFor = typeof waiting === 'string' ? waiting : undefined;
        return { answer: { kind: 'not-waiting', state: job.state, ...(waitingFor ? { waitingFor } : {}) } };
      }
      const { retentionDays, jobLimitMs } = settings(job.type);
      const writes: Write[] = [
        {
          op: 'update',
          path,
          data: {
            steps: [...(job.steps ?? []), name],
            currentStep: null,
            waitReason: 'continue',
            dispatchTime: access.clock.now(),
            updateTime: serverTime(),
          },
          ifVersion: version,
        },
        stepDocumentWrite(access, id, job.attempts, name, { received: true, payload }, retentionDays, jobLimitMs),
      ];
      recordedFor = name;
      return { writes, answer: () => ({ kind: 'signalled', type: job.type }) };
    },
    deadline,
  );
}
