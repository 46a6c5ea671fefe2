import type { TerminalJobState } from '@async-jobs/contract';
import { expireTimeFor, type Millis } from '../../core/job';
import { SERVER_TIME, type JobFields } from './job-table';

/** The fields every terminal write sets, as the Firestore adapter's terminalFields; `retentionDays` sets expireTime. */
export function terminalFields(state: TerminalJobState, now: Millis, retentionDays: number) {
  return {
    state,
    done: true,
    doneTime: SERVER_TIME,
    updateTime: SERVER_TIME,
    leaseExpireTime: null,
    expireTime: expireTimeFor(now, retentionDays),
  } satisfies JobFields;
}
