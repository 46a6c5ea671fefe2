import type { Millis } from '../job';
import { read } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';

/**
 * Admission: at most a limit of jobs not done per owner. The count is an aggregation query over the owner's jobs
 * (`owner == uid and done == false`), one read per thousand jobs counted, so nothing is written to count a job and
 * nothing to give it back: no counter document for a busy owner to write hot, none to drift from the jobs (a job
 * deleted by hand simply stops counting).
 */
export function countActiveJobs(access: StoreAccess, owner: string, deadline: Millis): Promise<number> {
  return read(
    access,
    () =>
      access.store.count({
        collection: access.layout.jobs,
        where: [
          { field: 'owner', op: '==', value: owner },
          { field: 'done', op: '==', value: false },
        ],
      }),
    deadline,
  );
}

/** Whether `adding` more jobs keep an owner with `active` jobs not done within `limit`. */
export function admits(active: number, adding: number, limit: number): boolean {
  return active + adding <= limit;
}
