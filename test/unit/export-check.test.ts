/**
 * missingExports, what the export check (library/src/export-check.ts) reports: every function asyncJobs made must be
 * exported under its own name, the same function. The check itself, on firebase-functions' discovery, is in
 * test/deploy/deploy-manifest.test.ts.
 */
import assert from 'node:assert/strict';
import { missingExports } from '../../library/src/export-check';

describe('missingExports', () => {
  const runJob = () => undefined;
  const runJobImages = () => undefined;
  const createJob = () => undefined;
  const made = { createJob, runJob, runJobImages };

  it('is empty when every function is exported under its name, whatever else the module exports', () => {
    assert.deepEqual(missingExports(made, { ...made, appOwnFunction: () => undefined }), []);
  });

  it('names each function not exported, in the order asyncJobs made them', () => {
    assert.deepEqual(missingExports(made, { createJob }), ['runJob', 'runJobImages']);
  });

  it('names a function exported under another name, or another value under its name', () => {
    assert.deepEqual(missingExports(made, { createJob, runJob, runJobImage: runJobImages }), ['runJobImages']);
    assert.deepEqual(missingExports(made, { createJob, runJob: () => undefined, runJobImages }), ['runJob']);
  });
});
