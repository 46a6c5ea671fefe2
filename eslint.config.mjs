// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import { boundaries } from './eslint.boundaries.mjs';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'functions/lib/**',
      'library/dist/**',
      'client/dist/**',
      'contract/dist/**',
      'web/dist/**',
      '.emulators/**',
      'test-results/**',
      'test/fixtures/functions/lib/**',
      // The example app is a project of its own, resolved against what it installs from the packed tarballs;
      // its `npm test` type-checks it (`npm run example`).
      'examples/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.mjs', 'eslint.boundaries.mjs'] } },
    },
    rules: {
      // TypeScript's checker (checkJs for the .mjs scripts) already knows which globals exist.
      'no-undef': 'off',
      // A dropped promise in a function is a lost write or publish: every one is awaited.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The bench's reference modules are CommonJS on purpose: the seed port and a hello world as Cloud Functions
    // samples write them, and the op counter is preloaded with `node --require` into processes without a TS loader.
    files: ['bench/**/*.js', 'bench/**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The layers' import rules (see eslint.boundaries.mjs).
  ...boundaries,
  prettier,
);
