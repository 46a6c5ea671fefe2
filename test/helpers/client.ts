/**
 * A signed-in app user, as a web or mobile app would be: the modular Firebase JS SDK, connected to the
 * emulators. Each call makes its own FirebaseApp, so two users can act side by side.
 */
import assert from 'node:assert/strict';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInAnonymously, type Auth } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore, type Firestore } from 'firebase/firestore';
import {
  connectFunctionsEmulator,
  getFunctions,
  httpsCallable,
  type Functions,
  type FunctionsError,
} from 'firebase/functions';
import type { CreateJobResponse } from '@async-jobs/contract';
import { emulatorHosts } from './emulators';

export interface TestUser {
  app: FirebaseApp;
  auth: Auth;
  firestore: Firestore;
  functions: Functions;
  /** undefined for a client that has not signed in. */
  uid: string | undefined;
  createJob(data: unknown): Promise<CreateJobResponse>;
  close(): Promise<void>;
}

let appCount = 0;

/** A client app that has not signed in. */
export function anonymousClient(): TestUser {
  const hosts = emulatorHosts();
  const app = initializeApp({ projectId: hosts.projectId, apiKey: 'demo-api-key' }, `test-user-${++appCount}`);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${hosts.auth.host}:${hosts.auth.port}`, { disableWarnings: true });
  const firestore = getFirestore(app);
  connectFirestoreEmulator(firestore, hosts.firestore.host, hosts.firestore.port);
  const functions = getFunctions(app, 'us-central1');
  connectFunctionsEmulator(functions, hosts.functions.host, hosts.functions.port);
  const callable = httpsCallable<unknown, CreateJobResponse>(functions, 'createJob');
  return {
    app,
    auth,
    firestore,
    functions,
    uid: undefined,
    createJob: async (data) => (await callable(data)).data,
    close: () => deleteApp(app),
  };
}

/** A client app signed in as a new anonymous user. */
export async function signedInUser(): Promise<TestUser> {
  const client = anonymousClient();
  const { user } = await signInAnonymously(client.auth);
  return { ...client, uid: user.uid };
}

/**
 * For a suite (call it in a describe body): signs in a new user before the suite's tests, hands it to `set`,
 * and closes its app after them.
 */
export function userForSuite(set: (user: TestUser) => void): void {
  let user: TestUser | undefined;
  before(async () => {
    user = await signedInUser();
    set(user);
  });
  after(async () => {
    await user?.close();
  });
}

/** Runs `use` as a new signed-in user, then closes that user's app whatever `use` did. */
export async function withSignedInUser<T>(use: (user: TestUser) => Promise<T>): Promise<T> {
  const user = await signedInUser();
  try {
    return await use(user);
  } finally {
    await user.close();
  }
}

/** The signed-in user's Firebase ID token, for the HTTP API or a raw callable request. */
export async function idTokenOf(user: TestUser): Promise<string> {
  const current = user.auth.currentUser;
  assert.ok(current, 'signed in');
  return current.getIdToken();
}

/** The error a callable call is refused with; fails the test if the call succeeds. */
export async function refusal(call: () => Promise<unknown>, what: string): Promise<FunctionsError> {
  try {
    await call();
  } catch (e) {
    return e as FunctionsError;
  }
  assert.fail(`${what} succeeded; it should have been refused`);
}
