/**
 * The security rules tests' environment: the library's firestore.rules loaded into the Firestore emulator under a
 * project id of the test's own, so clearing it never touches another test's data.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { setLogLevel } from 'firebase/firestore';

/** A client's Firestore as the test environment hands it out (usable with the modular API). */
export type ClientFirestore = ReturnType<RulesTestContext['firestore']>;

/** host:port of the Firestore emulator, from the variable `firebase emulators:exec` sets. */
function firestoreEmulator(): { host: string; port: number } {
  const value = process.env.FIRESTORE_EMULATOR_HOST;
  if (!value) {
    throw new Error(
      'FIRESTORE_EMULATOR_HOST is not set: the rules tests need a Firestore emulator. Run them with `npm test`, ' +
        'or start one and set FIRESTORE_EMULATOR_HOST=host:port.',
    );
  }
  const at = value.lastIndexOf(':');
  const port = Number(value.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new Error(`FIRESTORE_EMULATOR_HOST=${value} is not host:port`);
  // An IPv6 host comes bracketed, as in [::1]:8080.
  return { host: value.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port };
}

/** A rules test environment for `projectId` with the library's firestore.rules. */
export function libraryRulesEnvironment(projectId: string): Promise<RulesTestEnvironment> {
  // The SDK logs every permission-denied as a warning; in these tests they are expected.
  setLogLevel('error');
  return initializeTestEnvironment({
    projectId,
    firestore: {
      ...firestoreEmulator(),
      rules: readFileSync(resolve(__dirname, '../../library/firestore/firestore.rules'), 'utf8'),
    },
  });
}
