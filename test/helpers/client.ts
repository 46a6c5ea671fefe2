/**
 * A signed-in app user, as a web or mobile app would be: the modular Firebase JS SDK, connected to the
 * emulators. Each call makes its own FirebaseApp, so two users can act side by side.
 */
import assert from 'node:assert/strict';
import { deleteApp, initializeApp, onLog, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInAnonymously, type Auth } from 'firebase/auth';
import {
  connectFirestoreEmulator,
  disableNetwork,
  enableNetwork,
  getFirestore,
  type Firestore,
} from 'firebase/firestore';
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

/** The Firestore instances of the test clients not closed yet. */
const liveFirestores = new Set<Firestore>();

/**
 * The Firestore emulator now and then sends a Listen response whose gRPC framing is broken (firebase-tools#8654):
 * the SDK reads a message length of about 10⁹ out of the middle of a document name, fails the stream with
 * RESOURCE_EXHAUSTED and, as it does for production's quota errors, waits its maximum backoff (60 s) before it
 * listens again, past every test's deadline. When the SDK logs that error, each test client restarts its network
 * at once (which cancels the backoff), so its listeners resume on a fresh stream and send the documents' current
 * state. (The other restart is lost-changes.ts's, for a change the emulator left out.)
 */
const MALFORMED_LISTEN_FRAME = /RESOURCE_EXHAUSTED: Received message larger than max/;
onLog(
  ({ message }) => {
    if (!MALFORMED_LISTEN_FRAME.test(message)) return;
    console.warn(`      test clients: Firestore network restarted after a malformed Listen frame (${message})`);
    for (const firestore of liveFirestores) {
      restartNetwork(firestore).catch((e: unknown) =>
        console.warn(`      test clients: the restart failed: ${String(e)}`),
      );
    }
  },
  { level: 'warn' },
);

/** Each test client's network restart in flight. */
const restartsInFlight = new WeakMap<Firestore, Promise<void>>();

/**
 * Turns a test client's network off and on, so its listeners listen again and send their documents as they are. A
 * restart asked for while one runs joins it, and a client's close waits for it: the network is never enabled twice
 * or after the close, either of which leaves the client a connection its close does not end, and mocha never exits.
 */
export function restartNetwork(firestore: Firestore): Promise<void> {
  const inFlight = restartsInFlight.get(firestore);
  if (inFlight) return inFlight;
  const restart = disableNetwork(firestore)
    .then(() => enableNetwork(firestore))
    .finally(() => restartsInFlight.delete(firestore));
  restartsInFlight.set(firestore, restart);
  return restart;
}

/** A client app that has not signed in. */
export function anonymousClient(): TestUser {
  const hosts = emulatorHosts();
  const app = initializeApp({ projectId: hosts.projectId, apiKey: 'demo-api-key' }, `test-user-${++appCount}`);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${hosts.auth.host}:${hosts.auth.port}`, { disableWarnings: true });
  const firestore = getFirestore(app);
  connectFirestoreEmulator(firestore, hosts.firestore.host, hosts.firestore.port);
  liveFirestores.add(firestore);
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
    close: async () => {
      liveFirestores.delete(firestore);
      await restartsInFlight.get(firestore)?.catch(() => undefined);
      await deleteApp(app);
    },
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

/** The callable's answers that ask a caller to try again later: the owner's quota, and a store busy for now. */
const TRY_AGAIN_CODES = new Set(['functions/resource-exhausted', 'functions/unavailable']);

/**
 * Creates a job as a client under load should: with a requestId, and on `resource-exhausted` or `unavailable` waits
 * (200 ms doubling to 5 s) and tries again with the same requestId, so a create that did land is found, not made
 * twice. `tries` counts the calls made (for a test to report). Any other error is thrown.
 */
export async function createTryingAgain(
  user: TestUser,
  request: { type: string; input: unknown },
  tries = { calls: 0 },
): Promise<CreateJobResponse> {
  const requestId = crypto.randomUUID();
  for (let wait = 200; ; wait = Math.min(wait * 2, 5_000)) {
    tries.calls += 1;
    try {
      return await user.createJob({ ...request, requestId });
    } catch (e) {
      if (!TRY_AGAIN_CODES.has((e as FunctionsError).code)) throw e;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
