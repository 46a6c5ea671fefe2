// @ts-check
/**
 * The layer boundaries, as ESLint rules (eslint.config.mjs applies them; test/unit/layer-boundaries.test.ts lints
 * probe imports with them). Imports run one way:
 *
 *   library/src:  contract ◀── core ◀── adapters ◀── entry ◀── async-jobs.ts, pools.ts, composition.ts, index.ts
 *                              core ◀── testing (the in-memory store, simulated time: for tests and the simulation)
 *   functions/src (the app):  index.ts, tasks/ ──▶ @async-jobs/functions (the library's public API only)
 *
 * The core is the protocol, the use cases and their ports: it imports nothing outside library/src/core but packages
 * that are not Firebase's (zod, node:), so it runs the same on Firestore and on the in-memory store. The testing
 * kit imports the core only, and nothing else in library/src imports it, so nothing the deployed functions run
 * depends on it. The library and the app import the contract as types only. The app uses the library as any app
 * would, through its package name, never its files. The client, the web app, the contract and the app's task types
 * import nothing of the server.
 */

/**
 * @typedef {{ group?: string[], regex?: string, allowTypeImports?: boolean, message: string }} ImportPattern
 */

/** @type {ImportPattern} */
const CONTRACT_AS_TYPES = {
  group: ['@async-jobs/contract', '@async-jobs/app-tasks'],
  allowTypeImports: true,
  message: 'The functions import the contract and the task types as types only: they are types, with no code.',
};

/** @type {ImportPattern} */
const NO_FIREBASE_SDK = {
  group: ['firebase-functions', 'firebase-functions/*', 'firebase-admin', 'firebase-admin/*', '@google-cloud/*'],
  message: 'The core knows no Firebase or Google Cloud SDK: it reaches them through its ports.',
};

/**
 * A relative import that climbs out of the folder `levels` up: from library/src/core/x.ts one `../` leaves the
 * core, from library/src/core/worker/x.ts two do.
 * @param {number} levels
 * @returns {ImportPattern}
 */
const leavingCore = (levels) => ({
  regex: `^(\\.\\./){${levels}}`,
  message: 'The core imports nothing outside library/src/core: adapters, entry points and the root depend on it.',
});

/**
 * @param {string[]} files
 * @param {ImportPattern[]} patterns
 * @returns {import('eslint').Linter.Config}
 */
const restrict = (files, patterns) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
});

/** @type {ImportPattern} */
const NOT_ENTRY_OR_ROOT = {
  regex: '(^|/)entry(/|$)|(^|/)(composition|async-jobs|pools|index)$',
  message: 'Adapters are used by the entry points and the composition root, never the reverse.',
};

/** @type {ImportPattern} */
const NOT_TESTING = {
  regex: '(^|/)testing(/|$)',
  message: 'Nothing the functions run imports the testing kit (library/src/testing): only tests and the simulation do.',
};

/**
 * A relative import from library/src/testing, `levels` folders deep, that leaves the kit for anything but the core.
 * @param {number} levels
 * @returns {ImportPattern}
 */
const testingBeyondCore = (levels) => ({
  regex: `^(\\.\\./){${levels}}(?!core/)`,
  message: 'The testing kit imports the core only: it is the platform the core runs on in tests, nothing more.',
});

/** @type {ImportPattern} */
const TESTING_NO_SDK = {
  group: NO_FIREBASE_SDK.group,
  message: 'The testing kit runs in memory: it knows no Firebase or Google Cloud SDK.',
};

/** @type {ImportPattern} */
const LIBRARY_BY_ITS_NAME = {
  regex: '(^|/)library(/|$)|^@async-jobs/functions/',
  message: 'The app uses the library as any app would: `@async-jobs/functions`, never its files.',
};

/** @type {import('eslint').Linter.Config[]} */
export const boundaries = [
  // Entry points and the root; each group below replaces this rule for its files, so each names NOT_TESTING
  // again where it applies (the core's own rule already refuses anything outside the core).
  restrict(['library/src/**/*.ts'], [CONTRACT_AS_TYPES, NOT_TESTING]),
  restrict(['library/src/core/*.ts'], [CONTRACT_AS_TYPES, NO_FIREBASE_SDK, leavingCore(1)]),
  restrict(['library/src/core/*/*.ts'], [CONTRACT_AS_TYPES, NO_FIREBASE_SDK, leavingCore(2)]),
  restrict(['library/src/core/*/*/**/*.ts'], [CONTRACT_AS_TYPES, NO_FIREBASE_SDK, leavingCore(3)]),
  restrict(['library/src/adapters/**/*.ts'], [CONTRACT_AS_TYPES, NOT_ENTRY_OR_ROOT, NOT_TESTING]),
  restrict(['library/src/testing/*.ts'], [CONTRACT_AS_TYPES, TESTING_NO_SDK, testingBeyondCore(1)]),
  restrict(['library/src/testing/*/**/*.ts'], [CONTRACT_AS_TYPES, TESTING_NO_SDK, testingBeyondCore(2)]),
  restrict(['functions/src/**/*.ts'], [CONTRACT_AS_TYPES, LIBRARY_BY_ITS_NAME]),
  restrict(
    ['client/src/**/*.ts', 'contract/src/**/*.ts', 'web/src/**/*.ts', 'app-tasks/src/**/*.ts'],
    [
      {
        regex: '^(\\.\\./)+(functions|library)(/|$)|^firebase-admin|^firebase-functions|^@async-jobs/functions',
        message: 'Clients, the contract and the task types import nothing of the server: they share the contract only.',
      },
    ],
  ),
];
