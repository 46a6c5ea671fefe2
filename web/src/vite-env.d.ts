/// <reference types="vite/client" />

/** The build-time settings web/src/firebase-setup.ts reads (docs/operations.md "Deploy to your project"). */
interface ImportMetaEnv {
  /** The region the functions are deployed to (their JOBS_REGION param); us-central1 when unset. */
  readonly VITE_FUNCTIONS_REGION?: string;
  /** A reCAPTCHA Enterprise site key registered with App Check; without it the app sends no App Check token. */
  readonly VITE_APP_CHECK_SITE_KEY?: string;
}
