import { initializeApp, type FirebaseOptions } from 'firebase/app';
import { connectAuthEmulator, getAuth, type Auth } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore, type Firestore } from 'firebase/firestore';
import { connectFunctionsEmulator, getFunctions, type Functions } from 'firebase/functions';

export interface FirebaseClients {
  auth: Auth;
  firestore: Firestore;
  functions: Functions;
}

/** The emulator suite's ports, as firebase.json sets them. */
const EMULATORS = { auth: 9099, firestore: 8080, functions: 5001 };

/**
 * Firebase Hosting (and its emulator) serves the project's config at /__/firebase/init.json, so the same build
 * runs against a real project or the emulators. Served from localhost, the app talks to the emulators.
 */
export async function connectFirebase(): Promise<FirebaseClients> {
  const response = await fetch('/__/firebase/init.json');
  if (!response.ok) throw new Error(`could not load /__/firebase/init.json (${response.status})`);
  const config = (await response.json()) as FirebaseOptions;
  const app = initializeApp(config);
  const auth = getAuth(app);
  const firestore = getFirestore(app);
  const functions = getFunctions(app, 'us-central1');
  const host = location.hostname;
  if (host === 'localhost' || host === '127.0.0.1') {
    connectAuthEmulator(auth, `http://${host}:${EMULATORS.auth}`, { disableWarnings: true });
    connectFirestoreEmulator(firestore, host, EMULATORS.firestore);
    connectFunctionsEmulator(functions, host, EMULATORS.functions);
  }
  return { auth, firestore, functions };
}
