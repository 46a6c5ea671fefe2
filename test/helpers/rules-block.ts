import assert from 'node:assert/strict';

/**
 * The rules inside `match /databases/{database}/documents { … }`, without blank lines' indentation: the block an app
 * merges from the library's firestore.rules beside its own rules.
 */
export function documentsBlock(rules: string): string {
  const start = rules.indexOf('match /databases/{database}/documents {');
  assert.ok(start >= 0, 'the rules match the documents');
  return rules.slice(rules.indexOf('\n', start) + 1, rules.lastIndexOf('  }\n}')).replace(/^\s+$/gm, '');
}
