import { sweep, type SweepDeps, type SweepReport } from '../core/use-cases/sweep';

/** The recovery sweep's entry: one run of the schedule, at the time the schedule fired. */
export function handleSweepSchedule(deps: SweepDeps): Promise<SweepReport> {
  return sweep(deps, deps.access.clock.now());
}
