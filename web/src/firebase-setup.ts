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
 * Build-time settings (Vite puts VITE_* variables of the build's environment into the bundle); see
 * docs/operations.md, "Deploy to your project". The functions' region must be the JOBS_REGION they were deployed with.
 */
const FUNCTIONS_REGION = import.meta.env.VITE_FUNCTIONS_REGION || 'us-central1';
/** A reCAPTCHA Enterprise site key: when set, the app sends App Check tokens (for ENFORCE_APP_CHECK=true). */
const APP_CHECK_SITE_KEY = import.meta.env.VITE_APP_CHECK_SITE_KEY;

/**
 * Firebase Hosting (and its emulator) serves the project's config at /__/firebase/init.json, so the same build
 * runs against a real project or the emulators. Served from localhost, the app talks to the emulators.
 */
export async function connectFirebase(): Promise<FirebaseClients> {
  const response = await fetch('/__/firebase/init.json');
  if (!response.ok) throw new Error(`could not load /__/firebase/init.json (${response.status})`);
  const config = (await response.json()) as FirebaseOptions;
  const app = initializeApp(config);
  const host = location.hostname;
  const onEmulators = host === 'localhost' || host === '127.0.0.1';
  if (APP_CHECK_SITE_KEY && !onEmulators) {
    // Before any other service is used, as App Check requires; loaded only by builds that have a key.
    const { initializeAppCheck, ReCaptchaEnterpriseProvider } = await import('firebase/app-check');
    initializeAppCheck(app, {
      provider: new ReCaptchaEnterpriseProvider(APP_CHECK_SITE_KEY),
      isTokenAutoRefreshEnabled: true,
    });
  }
  const auth = getAuth(app);
  const firestore = getFirestore(app);
  const functions = getFunctions(app, FUNCTIONS_REGION);
  if (onEmulators) {
    connectAuthEmulator(auth, `http://${host}:${EMULATORS.auth}`, { disableWarnings: true });
    connectFirestoreEmulator(firestore, host, EMULATORS.firestore);
    connectFunctionsEmulator(functions, host, EMULATORS.functions);
  }
  return { auth, firestore, functions };
}
