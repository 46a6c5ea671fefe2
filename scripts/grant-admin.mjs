#!/usr/bin/env node
// @ts-check
/**
 * Makes a user an operator of the console (docs/console.md): sets the custom claim `admin: true` with the Admin SDK's
 * setCustomUserClaims, keeping the user's other claims. `--revoke` removes it and revokes the user's sessions, so an
 * ID token that still carries the claim stops working at the functions at once (and at the rules within the hour
 * the token lives).
 *
 *   npm run grant-admin -- <uid or email> [--revoke] [--project <id>]
 *
 * On the emulator suite: FIREBASE_AUTH_EMULATOR_HOST=127.0.0.1:9099 (npm start's Auth emulator). Against a real
 * project: application default credentials (`gcloud auth application-default login`) of an account allowed to
 * manage users, and --project. The user gets the claim in their next ID token: they sign in again, or the app
 * refreshes the token (getIdTokenResult(user, true); the console does on load).
 */
import { parseArgs } from 'node:util';
import { initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { claimsWith, OPERATOR_CLAIM, projectOf, userOf } from './lib/operator-claims.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { revoke: { type: 'boolean', default: false }, project: { type: 'string' } },
});

try {
  const target = userOf(positionals[0]);
  const projectId = projectOf(values.project, process.env);
  const auth = getAuth(initializeApp({ projectId }));
  const where = process.env.FIREBASE_AUTH_EMULATOR_HOST
    ? `the Auth emulator at ${process.env.FIREBASE_AUTH_EMULATOR_HOST}`
    : 'production';
  const user = 'email' in target ? await auth.getUserByEmail(target.email) : await auth.getUser(target.uid);
  const grant = !values.revoke;
  await auth.setCustomUserClaims(user.uid, claimsWith(user.customClaims, grant));
  if (!grant) await auth.revokeRefreshTokens(user.uid);
  console.log(
    grant
      ? `${user.uid} (${user.email ?? 'no email'}) now has ${OPERATOR_CLAIM}: true in project ${projectId} (${where}). ` +
          'It reaches their ID token when they sign in again or the app refreshes the token.'
      : `${user.uid} no longer has ${OPERATOR_CLAIM} in project ${projectId} (${where}); their sessions were revoked.`,
  );
} catch (e) {
  console.error(`grant-admin: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
