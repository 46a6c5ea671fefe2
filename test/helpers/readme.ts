/** The docs' tested shell blocks: a test runs them as written, so the docs cannot drift. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const projectDir = join(__dirname, '..', '..');

/**
 * The `sh` blocks after `<!-- tested by <testFile>` in the page `doc` (a path from the project's root), up to the
 * next `##` section, in order.
 */
export function testedShellBlocks(testFile: string, doc = 'README.md'): string[] {
  const text = readFileSync(join(projectDir, doc), 'utf8');
  const start = text.indexOf(`<!-- tested by ${testFile}`);
  if (start < 0) throw new Error(`${doc} has no "tested by ${testFile}" marker`);
  const section = text.slice(start);
  const end = section.indexOf('\n## ');
  return [...section.slice(0, end < 0 ? undefined : end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}
