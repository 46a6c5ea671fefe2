/** The sweep's report as tests expect it, written out here, not taken from the sweep's own starting value. */
import type { SweepReport } from '../../library/src/core/use-cases/sweep';

/** A sweep report that did nothing but what `acted` says. */
export function sweepReport(acted: Partial<SweepReport> = {}): SweepReport {
  return {
    republish: [],
    retry: [],
    fail: [],
    cancel: [],
    woken: [],
    dispatched: 0,
    freedSlots: 0,
    endedUnserved: [],
    failed: [],
    ...acted,
  };
}
