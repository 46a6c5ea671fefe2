import type { TerminalJobState } from '@async-jobs/contract';
import { expireTimeFor, type Millis } from '../../core/job';
import { SERVER_TIME, type JobFields } from './job-table';

/**
 * The fields every terminal write sets, as the Firestore adapter's terminalFields; `retentionDays` sets expireTime.
 * A done job holds no worker slot and waits for nothing: the same commit gives the slot back (see job-holdings.ts).
 */
export function terminalFields(state: TerminalJobState, now: Millis, retentionDays: number) {
  return {
    state,
    done: true,
    doneTime: SERVER_TIME,
    updateTime: SERVER_TIME,
    leaseExpireTime: null,
    expireTime: expireTimeFor(now, retentionDays),
    slot: null,
    waiting: false,
    waitReason: null,
  } satisfies JobFields;
}
