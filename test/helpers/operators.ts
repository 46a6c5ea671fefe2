/**
 * Users with an email and password on the Auth emulator, made with the Admin SDK, with the custom claims a test
 * gives them (`{ admin: true }`: an operator of the console), and signed in as a web app would sign them in.
 */
import { getAuth } from 'firebase-admin/auth';
import { signInWithEmailAndPassword } from 'firebase/auth';
import { adminApp } from './admin';
import { anonymousClient, type TestUser } from './client';

let made = 0;

/** An email and password user made on the Auth emulator, with `claims` set; not signed in anywhere yet. */
export async function passwordUser(
  claims: Record<string, unknown> = {},
): Promise<{ uid: string; email: string; password: string }> {
  made += 1;
  const email = `operator-test-${Date.now()}-${made}@example.com`;
  const password = `password-${made}-${Math.random().toString(36).slice(2)}`;
  const auth = getAuth(adminApp());
  const { uid } = await auth.createUser({ email, password });
  if (Object.keys(claims).length > 0) await auth.setCustomUserClaims(uid, claims);
  return { uid, email, password };
}

/** A client signed in as a new password user with `claims`: its ID token carries them. */
export async function signedInWithClaims(claims: Record<string, unknown>): Promise<TestUser> {
  const { email, password } = await passwordUser(claims);
  const client = anonymousClient();
  const { user } = await signInWithEmailAndPassword(client.auth, email, password);
  return { ...client, uid: user.uid };
}
