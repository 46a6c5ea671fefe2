// @ts-check
/**
 * Reads a scheduled function's schedule the way Cloud Scheduler takes it (App Engine cron syntax, as
 * firebase-functions' onSchedule writes it into the function's manifest), for the local scheduler.
 */

const UNIT_MS = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000 };

/**
 * The interval of an `every N minutes` / `every N hours` schedule, in ms; undefined for any other form (a cron
 * line), which the local scheduler does not run.
 * @param {string} schedule
 * @returns {number | undefined}
 */
export function scheduleIntervalMs(schedule) {
  const match = /^every (\d+) (minutes?|hours?)$/.exec(schedule.trim());
  if (!match) return undefined;
  const count = Number(match[1]);
  const unit = /** @type {keyof typeof UNIT_MS} */ (match[2]);
  return count > 0 ? count * UNIT_MS[unit] : undefined;
}

/**
 * The scheduled functions a loaded codebase exports: each with its schedule from the manifest entry
 * firebase-functions attaches (`__endpoint.scheduleTrigger.schedule`) and its handler (`run`).
 * @param {Record<string, unknown>} exported
 * @returns {{ name: string, schedule: string, run: (event: { scheduleTime: string, jobName?: string }) => unknown }[]}
 */
export function scheduledFunctions(exported) {
  /** @type {{ name: string, schedule: string, run: (event: { scheduleTime: string, jobName?: string }) => unknown }[]} */
  const found = [];
  for (const [name, value] of Object.entries(exported)) {
    const fn = /** @type {{ __endpoint?: { scheduleTrigger?: { schedule?: unknown } }, run?: unknown }} */ (value);
    const schedule = fn?.__endpoint?.scheduleTrigger?.schedule;
    if (typeof schedule === 'string' && typeof fn.run === 'function') {
      const run = /** @type {(event: { scheduleTime: string, jobName?: string }) => unknown} */ (fn.run);
      found.push({ name, schedule, run });
    }
  }
  return found;
}

/**
 * Parses a dotenv file's `KEY=value` lines (the subset functions/.env uses: no quotes, no expansion).
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseDotenv(text) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1]) env[match[1]] = (match[2] ?? '').trim();
  }
  return env;
}
