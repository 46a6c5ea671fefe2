/**
 * The local scheduler stands in for Cloud Scheduler on the emulator suite: it must find the scheduled functions a
 * built codebase exports, run them at the interval their own schedule says, and load the params file as the
 * Functions emulator does. Loaded with a dynamic import for the reason in manifest-jar.test.ts.
 */
import assert from 'node:assert/strict';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { onCall } from 'firebase-functions/v2/https';

interface ScheduledFunction {
  name: string;
  schedule: string;
  run: (event: { scheduleTime: string; jobName?: string }) => unknown;
}
/** The signatures library/bin/schedule.mjs declares in its JSDoc. */
interface ScheduleModule {
  scheduleIntervalMs: (schedule: string) => number | undefined;
  scheduledFunctions: (exported: Record<string, unknown>) => ScheduledFunction[];
  parseDotenv: (text: string) => Record<string, string>;
}

// Typed `string`, not the literal, so tsc does not try to resolve the untyped module.
const SCHEDULE_MODULE: string = '../../library/bin/schedule.mjs';

describe('local scheduler (library/bin/schedule.mjs)', () => {
  let lib: ScheduleModule;
  before(async () => {
    lib = (await import(SCHEDULE_MODULE)) as ScheduleModule;
  });

  it('reads "every N minutes" and "every N hours" as intervals, and nothing else', () => {
    assert.equal(lib.scheduleIntervalMs('every 1 minutes'), 60_000);
    assert.equal(lib.scheduleIntervalMs('every 5 minutes'), 300_000);
    assert.equal(lib.scheduleIntervalMs('every 1 minute'), 60_000);
    assert.equal(lib.scheduleIntervalMs('every 2 hours'), 7_200_000);
    for (const other of ['*/5 * * * *', 'every 0 minutes', 'every minute', 'every 5 seconds', '']) {
      assert.equal(lib.scheduleIntervalMs(other), undefined, other);
    }
  });

  it('finds the scheduled functions a codebase exports, with their schedules, and calls their own handlers', async () => {
    const runs: string[] = [];
    const exported = {
      sweepJobs: onSchedule({ schedule: 'every 1 minutes', region: 'us-central1' }, (event) => {
        runs.push(event.scheduleTime);
      }),
      createJob: onCall(() => 'not scheduled'),
      helper: 42,
    };
    const found = lib.scheduledFunctions(exported);
    assert.deepEqual(
      found.map(({ name, schedule }) => ({ name, schedule })),
      [{ name: 'sweepJobs', schedule: 'every 1 minutes' }],
    );
    await found[0]?.run({ scheduleTime: '2026-01-01T00:00:00.000Z' });
    assert.deepEqual(runs, ['2026-01-01T00:00:00.000Z']);
  });

  it('parses a params file of KEY=value lines, skipping comments and blanks', () => {
    const text = '# settings\nJOBS_REGION=us-central1\n\nMAX_ACTIVE_JOBS_PER_USER=100\n  ENFORCE_APP_CHECK=false  \n';
    assert.deepEqual(lib.parseDotenv(text), {
      JOBS_REGION: 'us-central1',
      MAX_ACTIVE_JOBS_PER_USER: '100',
      ENFORCE_APP_CHECK: 'false',
    });
  });
});
