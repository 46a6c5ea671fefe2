/** The README's tested shell blocks: a test runs them as written, so the README cannot drift. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const projectDir = join(__dirname, '..', '..');

/** The `sh` blocks after `<!-- tested by <testFile>` in the README, up to the next `##` section, in order. */
export function testedShellBlocks(testFile: string): string[] {
  const readme = readFileSync(join(projectDir, 'README.md'), 'utf8');
  const start = readme.indexOf(`<!-- tested by ${testFile}`);
  if (start < 0) throw new Error(`README.md has no "tested by ${testFile}" marker`);
  const section = readme.slice(start);
  const end = section.indexOf('\n## ');
  return [...section.slice(0, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}
