// @ts-check
/**
 * Finds what the Firebase emulator suite needs on this machine and says it in environment variables.
 * When a Google Cloud SDK with its Firestore and Pub/Sub emulators is installed, firebase-tools is pointed at
 * them (PUBSUB_EMULATOR_BINARY_PATH, FIRESTORE_EMULATOR_BINARY_PATH), so no download is needed; otherwise
 * firebase-tools downloads its own, as it does on any laptop with internet.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeManifestJar } from './manifest-jar.mjs';

const FIRESTORE_MAIN_CLASS = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';
const PUBSUB_BIN = 'platform/pubsub-emulator/bin/cloud-pubsub-emulator';
const FIRESTORE_JAR = 'platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';

/** Thrown for a set-up problem a person must fix; the launcher prints its message as one line. */
export class SetupError extends Error {}

/**
 * Java runs the Firestore and Pub/Sub emulators. Returns its major version, or throws a SetupError that says
 * what to install.
 */
export function requireJava() {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new SetupError(
      'Java 11 or newer is needed for the Firestore and Pub/Sub emulators, and `java` was not found on PATH: ' +
        'install a JRE (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`; macOS: `brew install openjdk@17`).',
    );
  }
  const match = /version "(?:1\.)?(\d+)/.exec(probe.stderr + probe.stdout);
  const major = match ? Number(match[1]) : 0;
  if (major < 11) {
    throw new SetupError(`Java 11 or newer is needed for the emulators; \`java -version\` says ${major || 'unknown'}.`);
  }
  return major;
}

/** The Cloud SDK root: $CLOUDSDK_ROOT_DIR, else what `gcloud info` says, else undefined. */
export function findCloudSdkRoot() {
  if (process.env.CLOUDSDK_ROOT_DIR) return process.env.CLOUDSDK_ROOT_DIR;
  const info = spawnSync('gcloud', ['info', '--format=value(installation.sdk_root)'], { encoding: 'utf8' });
  const root = info.status === 0 ? info.stdout.trim() : '';
  return root || undefined;
}

/**
 * Environment for firebase-tools: the SDK's emulators where they exist, each one on its own.
 * @param {string} workDir where generated files (the Firestore launcher jar) go
 * @returns {{ env: Record<string, string>, notes: string[] }}
 */
export function sdkEmulatorEnv(workDir) {
  /** @type {Record<string, string>} */
  const env = {};
  const notes = [];
  const root = findCloudSdkRoot();
  const pubsub = root && join(root, PUBSUB_BIN);
  if (pubsub && existsSync(pubsub)) {
    env.PUBSUB_EMULATOR_BINARY_PATH = pubsub;
    notes.push(`Pub/Sub emulator: ${pubsub}`);
  } else {
    notes.push('Pub/Sub emulator: firebase-tools download (no Cloud SDK emulator found)');
  }
  const firestoreJar = root && join(root, FIRESTORE_JAR);
  if (firestoreJar && existsSync(firestoreJar)) {
    mkdirSync(workDir, { recursive: true });
    const launcher = join(workDir, 'cloud-firestore-emulator-launcher.jar');
    writeManifestJar(launcher, FIRESTORE_MAIN_CLASS, [firestoreJar]);
    env.FIRESTORE_EMULATOR_BINARY_PATH = launcher;
    notes.push(`Firestore emulator: ${firestoreJar}`);
  } else {
    notes.push('Firestore emulator: firebase-tools download (no Cloud SDK emulator found)');
  }
  return { env, notes };
}
