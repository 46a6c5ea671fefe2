// @ts-check
/**
 * The pure part of `npm run grant-admin`: whom the argument names, and the custom claims to set, which keep every
 * claim the user already has (setCustomUserClaims replaces them all) and add or remove only `admin`.
 */

/** The claim the security rules and the admin callables check (`admin: true`). */
export const OPERATOR_CLAIM = 'admin';

/**
 * The user an argument names: an email when it has an `@` (Firebase uids have none), else a uid.
 * @param {string | undefined} argument
 * @returns {{ email: string } | { uid: string }}
 */
export function userOf(argument) {
  const value = (argument ?? '').trim();
  if (value === '') throw new Error('name the user: npm run grant-admin -- <uid or email> [--revoke]');
  return value.includes('@') ? { email: value } : { uid: value };
}

/**
 * The custom claims to set: `existing` with `admin: true`, or without `admin` when revoking.
 * @param {Record<string, unknown> | undefined} existing
 * @param {boolean} grant
 * @returns {Record<string, unknown>}
 */
export function claimsWith(existing, grant) {
  const others = Object.fromEntries(Object.entries(existing ?? {}).filter(([name]) => name !== OPERATOR_CLAIM));
  return grant ? { ...others, [OPERATOR_CLAIM]: true } : others;
}

/**
 * The project to act on: `--project`, else the environment's (GCLOUD_PROJECT, GOOGLE_CLOUD_PROJECT), else, on the
 * Auth emulator only, this repository's demo project. Production needs it named: a claim is never set on a project
 * picked by accident.
 * @param {string | undefined} flag
 * @param {NodeJS.ProcessEnv} env
 * @returns {string}
 */
export function projectOf(flag, env) {
  const project = flag ?? env.GCLOUD_PROJECT ?? env.GOOGLE_CLOUD_PROJECT;
  if (project) return project;
  if (env.FIREBASE_AUTH_EMULATOR_HOST) return 'demo-async-jobs';
  throw new Error(
    'name the project: --project <id> (or set GCLOUD_PROJECT); on the emulator set FIREBASE_AUTH_EMULATOR_HOST',
  );
}
