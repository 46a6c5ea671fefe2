/**
 * Checked by the TypeScript compiler (`tsc -p test`, part of `npm run lint`), never run: asyncJobs' result names
 * each pool's worker exactly, so an export of a worker no pool has fails to compile. A `@ts-expect-error` whose line
 * compiled would itself be an error, so loosening the type fails the lint.
 */
import { z } from 'zod';
import { asyncJobs, definePool, defineTask } from '../../library/src';

export function exportsOfAnAppWithAnImagesPool(): unknown[] {
  const images = definePool({
    name: 'images',
    memory: '1GiB',
    cpu: 1,
    concurrency: 1,
    maxInstances: 2,
    timeoutSeconds: 300,
  });
  const resize = defineTask({
    type: 'resize',
    input: z.strictObject({}),
    pool: images.name,
    run: () => Promise.resolve(1),
  });
  const count = defineTask({ type: 'count', input: z.strictObject({}), run: () => Promise.resolve(2) });
  const made = asyncJobs({ tasks: [resize, count], pools: [images] });
  const { createJob, runJob, runJobImages, server } = made;
  // @ts-expect-error -- the pool is `images`: its worker is runJobImages, and runJobImage is no export of asyncJobs.
  const { runJobImage } = made;
  // @ts-expect-error -- a pool not given has no worker.
  const { runJobVideos } = made;
  return [createJob, runJob, runJobImages, server, runJobImage, runJobVideos];
}

export function exportsOfAnAppWithTheStandardPoolOnly(): unknown[] {
  const count = defineTask({ type: 'count', input: z.strictObject({}), run: () => Promise.resolve(2) });
  const { runJob, wakeJobs } = asyncJobs({ tasks: [count] });
  // @ts-expect-error -- only `standard`: no other worker.
  const { runJobCompute } = asyncJobs({ tasks: [count] });
  return [runJob, wakeJobs, runJobCompute];
}
