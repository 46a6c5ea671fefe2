// @ts-check
/**
 * The layer boundaries, as ESLint rules (eslint.config.mjs applies them; test/unit/layer-boundaries.test.ts lints
 * probe imports with them). Imports run one way:
 *
 *   contract ◀── core ◀── adapters ◀── entry ◀── job-functions.ts, composition.ts, index.ts (the composition root)
 *                  ▲
 *                  └── tasks (the project's own task types)
 *
 * The core is the use cases and their ports: it imports nothing outside functions/src/core but packages that are
 * not Firebase's (zod, node:), so it runs the same on Firestore and on the in-memory repository. The functions
 * import the contract as types only, so a deploy of functions/ needs nothing outside it. The client, the web app
 * and the contract import nothing of the server.
 */

/**
 * @typedef {{ group?: string[], regex?: string, allowTypeImports?: boolean, message: string }} ImportPattern
 */

/** @type {ImportPattern} */
const CONTRACT_AS_TYPES = {
  group: ['@async-jobs/contract'],
  allowTypeImports: true,
  message: 'functions/ imports the contract as types only, so a deploy of functions/ needs nothing outside it.',
};

/** @type {ImportPattern} */
const NO_FIREBASE_SDK = {
  group: ['firebase-functions', 'firebase-functions/*', 'firebase-admin', 'firebase-admin/*', '@google-cloud/*'],
  message: 'The core knows no Firebase or Google Cloud SDK: it reaches them through its ports.',
};

/**
 * A relative import that climbs out of the folder `levels` up: from functions/src/core/x.ts one `../` leaves the
 * core, from functions/src/core/worker/x.ts two do.
 * @param {number} levels
 * @returns {ImportPattern}
 */
const leavingCore = (levels) => ({
  regex: `^(\\.\\./){${levels}}`,
  message: 'The core imports nothing outside functions/src/core: adapters, entry points and tasks depend on it.',
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
  regex: '(^|/)entry(/|$)|(^|/)(composition|job-functions|index)$',
  message: 'Adapters and tasks are used by the entry points and the composition root, never the reverse.',
};

/** @type {import('eslint').Linter.Config[]} */
export const boundaries = [
  restrict(['functions/src/**/*.ts'], [CONTRACT_AS_TYPES]),
  restrict(['functions/src/core/*.ts'], [CONTRACT_AS_TYPES, NO_FIREBASE_SDK, leavingCore(1)]),
  restrict(['functions/src/core/*/*.ts'], [CONTRACT_AS_TYPES, NO_FIREBASE_SDK, leavingCore(2)]),
  restrict(['functions/src/core/*/*/**/*.ts'], [CONTRACT_AS_TYPES, NO_FIREBASE_SDK, leavingCore(3)]),
  restrict(['functions/src/adapters/**/*.ts', 'functions/src/tasks/**/*.ts'], [CONTRACT_AS_TYPES, NOT_ENTRY_OR_ROOT]),
  restrict(
    ['client/src/**/*.ts', 'contract/src/**/*.ts', 'web/src/**/*.ts'],
    [
      {
        regex: '^(\\.\\./)+functions(/|$)|^firebase-admin|^firebase-functions',
        message: 'Clients and the contract import nothing of the server: they share the contract only.',
      },
    ],
  ),
];
