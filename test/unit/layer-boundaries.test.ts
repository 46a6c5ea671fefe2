/**
 * `npm run lint` enforces the layers' import direction (eslint.boundaries.mjs). These probes lint one import at a
 * time, placed where a file of each layer would be, with the same rules: an import against the grain must be an
 * error, and the imports the layers do use must pass. The testing kit (library/src/testing) is a layer of its own:
 * it imports the core only, and nothing else in library/src imports it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { boundaries } from '../../eslint.boundaries.mjs';

const root = join(__dirname, '..', '..');

const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [
    { languageOptions: { parser: tseslint.parser }, plugins: { '@typescript-eslint': tseslint.plugin } },
    ...boundaries,
  ],
});

/** The messages of the boundary rule for `source` as the file at `path` (relative to the repository). */
async function violations(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: join(root, path) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const REFUSED: ReadonlyArray<readonly [string, string, RegExp]> = [
  ['library/src/core/create-request.ts', "import { getFirestore } from 'firebase-admin/firestore';", /no Firebase/],
  ['library/src/core/worker/run-delivery.ts', "import { logger } from 'firebase-functions/logger';", /no Firebase/],
  [
    'library/src/core/use-cases/sweep.ts',
    "import { PubSub } from '@google-cloud/pubsub';",
    /no Firebase or Google Cloud/,
  ],
  [
    'library/src/core/worker/run-delivery.ts',
    "import { fromFirestore } from '../../adapters/firestore/firestore-values';",
    /nothing outside/,
  ],
  [
    'library/src/core/use-cases/create-job.ts',
    "import { MemoryDocumentStore } from '../../testing/memory-document-store';",
    /nothing outside/,
  ],
  [
    'library/src/core/use-cases/create-job.ts',
    "import { toHttpsError } from '../../entry/callable';",
    /nothing outside/,
  ],
  ['library/src/core/job.ts', "import { config } from '../config';", /nothing outside/],
  ['library/src/core/tasks/task.ts', "import { sleepTask } from '../../tasks/sleep';", /nothing outside/],
  ['library/src/entry/callable.ts', "import { JOB_STATES } from '@async-jobs/contract';", /types only/],
  [
    'library/src/adapters/firestore/firestore-document-store.ts',
    "import { toApiError } from '../../entry/http/api-error';",
    /never the reverse/,
  ],
  [
    'library/src/adapters/logging/cloud-logging.ts',
    "import { lazyDependencies } from '../../composition';",
    /never the reverse/,
  ],
  [
    'library/src/adapters/firestore/firestore-document-store.ts',
    "import { StoreError } from '../../testing/faulty-document-store';",
    /testing kit/,
  ],
  ['library/src/entry/worker.ts', "import { SimulatedClock } from '../testing/simulated-clock';", /testing kit/],
  ['library/src/composition.ts', "import { MemoryDocumentStore } from './testing';", /testing kit/],
  ['library/src/index.ts', "export { MemoryDocumentStore } from './testing/index';", /testing kit/],
  [
    'library/src/testing/memory-job-queue.ts',
    "import { taskMessage } from '../adapters/pubsub/task-message';",
    /core only/,
  ],
  ['library/src/testing/simulated-process.ts', "import { handleTaskMessage } from '../entry/worker';", /core only/],
  ['library/src/testing/memory-document-store.ts', "import { config } from '../config';", /core only/],
  [
    'library/src/testing/memory-document-store.ts',
    "import { getFirestore } from 'firebase-admin/firestore';",
    /in memory/,
  ],
  ['library/src/testing/faults/rules.ts', "import { StoreError } from '../../adapters/firestore/x';", /core only/],
  ['library/src/testing/faulty-document-store.ts', "import { JOB_STATES } from '@async-jobs/contract';", /types only/],
  [
    'functions/src/tasks/sleep.ts',
    "import { TaskError } from '../../../library/src/core/tasks/task-error';",
    /as any app would/,
  ],
  ['functions/src/index.ts', "import { asyncJobs } from '@async-jobs/functions/dist/async-jobs';", /as any app would/],
  ['functions/src/tasks/sleep.ts', "import { SLEEP } from '@async-jobs/app-tasks';", /types only/],
  [
    'library/src/adapters/pubsub/pubsub-job-queue.ts',
    "import { asyncJobs } from '../../async-jobs';",
    /never the reverse/,
  ],
  ['web/src/main.ts', "import { defineTask } from '@async-jobs/functions';", /nothing of the server/],
  ['client/src/types.ts', "import type { Job } from '../../library/src/core/job';", /nothing of the server/],
  ['web/src/main.ts', "import { config } from '../../library/src/config';", /nothing of the server/],
  [
    'contract/src/job-document.ts',
    "import type { Timestamp } from 'firebase-admin/firestore';",
    /nothing of the server/,
  ],
];

const ALLOWED: ReadonlyArray<readonly [string, string]> = [
  ['library/src/core/job.ts', "import type { JobDocument } from '@async-jobs/contract';"],
  ['library/src/core/create-request.ts', "import { ValidationError } from './errors';"],
  ['library/src/core/worker/run-delivery.ts', "import { sleep } from '../ports/clock';"],
  ['library/src/core/worker/run-delivery.ts', "import { TaskError } from '../tasks/task-error';"],
  ['library/src/core/request-identity.ts', "import { createHash } from 'node:crypto';"],
  ['library/src/core/create-request.ts', "import type { z } from 'zod';"],
  ['library/src/adapters/firestore/firestore-values.ts', "import type { Job } from '../../core/job';"],
  [
    'library/src/adapters/firestore/firestore-document-store.ts',
    "import { FieldValue } from 'firebase-admin/firestore';",
  ],
  ['library/src/testing/memory-document-store.ts', "import { StoreError } from '../core/ports/document-store';"],
  ['library/src/testing/faulty-document-store.ts', "import type { RandomSource } from './seeded-random';"],
  ['library/src/testing/memory-job-queue.ts', "import type { SentJob } from '@async-jobs/contract';"],
  ['library/src/testing/faults/rules.ts', "import type { Write } from '../../core/ports/document-store';"],
  ['library/src/testing/faults/rules.ts', "import { never } from '../promises';"],
  ['library/src/entry/callable.ts', "import { HttpsError } from 'firebase-functions/v2/https';"],
  ['library/src/entry/worker.ts', "import { parseTaskMessage } from '../adapters/pubsub/task-message';"],
  ['library/src/composition.ts', "import { cloudLogging } from './adapters/logging/cloud-logging';"],
  ['functions/src/tasks/sleep.ts', "import { defineTask } from '@async-jobs/functions';"],
  ['web/src/main.ts', "import '@async-jobs/app-tasks';"],
  ['functions/src/tasks/sleep.ts', "import type { SleepInput } from '@async-jobs/app-tasks';"],
  ['app-tasks/src/index.ts', "import type { JobState } from '@async-jobs/contract';"],
  ['client/src/types.ts', "import type { JobDocument } from '@async-jobs/contract';"],
  ['client/src/callables.ts', "import { httpsCallable } from 'firebase/functions';"],
];

describe('layer boundaries (eslint.boundaries.mjs)', () => {
  for (const [path, source, message] of REFUSED) {
    it(`refuses in ${path}: ${source}`, async () => {
      const found = await violations(path, source);
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0] ?? '', /no-restricted-imports/);
      assert.match(found[0] ?? '', message);
    });
  }

  for (const [path, source] of ALLOWED) {
    it(`allows in ${path}: ${source}`, async () => {
      assert.deepEqual(await violations(path, source), []);
    });
  }
});
