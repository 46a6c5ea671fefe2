/**
 * Checked by the TypeScript compiler (`tsc -p test`, part of `npm run lint`), never run: asyncJobs' result names
 * each pool's worker exactly, so an export of a worker no pool has fails to compile. A `@ts-expect-error` whose line
 * compiled would itself be an error, so loosening the type fails the lint.
 */
import { asyncJobs } from '../../library/src';
import { countTask, imagesPool, resizeTask } from '../fixtures/export-check/app-tasks';

export function exportsOfAnAppWithAnImagesPool(): unknown[] {
  const made = asyncJobs({ tasks: [resizeTask, countTask], pools: [imagesPool] });
  const { createJob, runJob, runJobImages, server } = made;
  // @ts-expect-error -- the pool is `images`: its worker is runJobImages, and runJobImage is no export of asyncJobs.
  const { runJobImage } = made;
  // @ts-expect-error -- a pool not given has no worker.
  const { runJobVideos } = made;
  return [createJob, runJob, runJobImages, server, runJobImage, runJobVideos];
}

export function exportsOfAnAppWithTheStandardPoolOnly(): unknown[] {
  const { runJob, wakeJobs } = asyncJobs({ tasks: [countTask] });
  // @ts-expect-error -- only `standard`: no other worker.
  const { runJobCompute } = asyncJobs({ tasks: [countTask] });
  return [runJob, wakeJobs, runJobCompute];
}
