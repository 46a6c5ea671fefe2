/**
 * Where the emulators are, read from the variables `firebase emulators:exec` sets (npm test runs the suite
 * through it). A test file that needs them calls `emulatorHosts()` first, so running it outside the suite
 * fails once, with a sentence, instead of test by test with connection errors.
 */
export interface HostPort {
  host: string;
  port: number;
}

export interface EmulatorHosts {
  projectId: string;
  auth: HostPort;
  firestore: HostPort;
  pubsub: HostPort;
  functions: HostPort;
}

function parse(name: string): HostPort {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this test with \`npm test\` (the emulator suite), not bare mocha`);
  }
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

export function emulatorHosts(): EmulatorHosts {
  const projectId = process.env.GCLOUD_PROJECT;
  if (!projectId) throw new Error('GCLOUD_PROJECT is not set: run this test with `npm test`');
  return {
    projectId,
    auth: parse('FIREBASE_AUTH_EMULATOR_HOST'),
    firestore: parse('FIRESTORE_EMULATOR_HOST'),
    pubsub: parse('PUBSUB_EMULATOR_HOST'),
    // emulators:exec does not export the Functions emulator's address; firebase.json fixes it.
    functions: { host: '127.0.0.1', port: 5001 },
  };
}
