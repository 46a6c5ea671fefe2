import type { TerminalJobState } from '@async-jobs/contract';
import { expireTimeFor, type Millis } from '../../core/job';
import { serverTime, timestamp } from './job-codec';

/**
 * The fields every terminal write sets; `retentionDays` sets the TTL field. A done job holds no slot and waits
 * for nothing: the same commit gives its slot and admission place back (see job-holdings.ts).
 */
export function terminalFields(state: TerminalJobState, now: Millis, retentionDays: number) {
  return {
    state,
    done: true,
    doneTime: serverTime(),
    updateTime: serverTime(),
    leaseExpireTime: null,
    expireTime: timestamp(expireTimeFor(now, retentionDays)),
    slot: null,
    waiting: false,
    waitReason: null,
  };
}
