import type { TerminalJobState } from '@async-jobs/contract';
import { expireTimeFor, type Millis } from '../../core/job';
import { serverTime, timestamp } from './job-codec';

/** The fields every terminal write sets; `retentionDays` sets the TTL field. */
export function terminalFields(state: TerminalJobState, now: Millis, retentionDays: number) {
  return {
    state,
    done: true,
    doneTime: serverTime(),
    updateTime: serverTime(),
    leaseExpireTime: null,
    expireTime: timestamp(expireTimeFor(now, retentionDays)),
  };
}
