/**
 * The docs hold together: the README stays an overview a newcomer reads in minutes (at most 15 KB), every relative
 * link in the README, CONTRIBUTING.md, library/README.md and docs/*.md names a file that exists (and, into a
 * markdown page, a heading that exists), and each page's tested shell blocks are where their emulator tests look.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { projectDir, testedShellBlocks } from '../helpers/readme';

/** The README's budget, in bytes (what `wc -c` counts): 15 KB, read as 15,000 so no reading of "KB" passes more. */
const README_MAX_BYTES = 15_000;

/** The pages checked, as paths from the project's root. */
const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'library/README.md',
  ...readdirSync(join(projectDir, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** A page's text without its fenced code blocks, whose brackets and hashes are code, not links or headings. */
function prose(text: string): string {
  return text.replace(/^ *```[\s\S]*?^ *```/gm, '');
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const slug = (heading ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The targets of a page's inline links and images, outside code. */
function linkTargets(text: string): string[] {
  const withoutCode = prose(text).replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((m) => m[1] ?? '');
}

/** What is wrong with one link of `page`, or undefined when it leads somewhere. */
function brokenLink(page: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: — not a file of this repository
  const [path = '', anchor] = target.split('#', 2);
  const file = path === '' ? page : relative(projectDir, join(projectDir, dirname(page), decodeURIComponent(path)));
  if (!existsSync(join(projectDir, file))) return `${target}: no file ${file}`;
  if (anchor === undefined || !file.endsWith('.md') || statSync(join(projectDir, file)).isDirectory()) return undefined;
  const anchors = headingAnchors(readFileSync(join(projectDir, file), 'utf8'));
  return anchors.has(anchor) ? undefined : `${target}: ${file} has no heading #${anchor}`;
}

describe('the docs', () => {
  it(`keep the README to at most ${README_MAX_BYTES} bytes`, () => {
    const bytes = statSync(join(projectDir, 'README.md')).size;
    assert.ok(bytes <= README_MAX_BYTES, `README.md is ${bytes} bytes`);
  });

  it('check the pages that exist: the README, CONTRIBUTING.md, library/README.md and docs/*.md', () => {
    for (const page of PAGES) assert.ok(existsSync(join(projectDir, page)), page);
    assert.ok(PAGES.includes('docs/protocol.md') && PAGES.includes('docs/http-api.md'), PAGES.join(', '));
  });

  for (const page of PAGES) {
    it(`link, from ${page}, only to files and headings that exist`, () => {
      const targets = linkTargets(readFileSync(join(projectDir, page), 'utf8'));
      const broken = targets.flatMap((target) => brokenLink(page, target) ?? []);
      assert.deepEqual(broken, []);
    });
  }

  it('find the links of a page, outside code', () => {
    const text =
      'See [a](a.md#x) and ![b](b.png).\n`[c](c.md)`\n```ts\n[d](d.md)\n```\n   ```sh\n   [e](e.md)\n   ```\n';
    assert.deepEqual(linkTargets(text), ['a.md#x', 'b.png']);
    assert.ok(linkTargets(readFileSync(join(projectDir, 'README.md'), 'utf8')).length >= 10, 'the README links');
  });

  it('find the heading anchors GitHub makes', () => {
    const anchors = headingAnchors(
      '# A page\n## The job document `jobs/{id}`\n## Retries\n## Retries\n```\n# code\n```\n',
    );
    assert.deepEqual([...anchors], ['a-page', 'the-job-document-jobsid', 'retries', 'retries-1']);
  });

  it('name, in each "tested by" marker, a test file that exists', () => {
    const markers = PAGES.flatMap((page) =>
      [...readFileSync(join(projectDir, page), 'utf8').matchAll(/<!-- tested by ([^\s:]+)/g)].map((m) => m[1] ?? ''),
    );
    assert.deepEqual(markers.sort(), [
      'test/emulator/readme-http.emulator.test.ts',
      'test/emulator/readme.emulator.test.ts',
    ]);
    for (const file of markers) assert.ok(existsSync(join(projectDir, file)), file);
  });

  it('keep the tested shell blocks where their emulator tests read them', () => {
    const tryIt = testedShellBlocks('test/emulator/readme.emulator.test.ts');
    assert.equal(tryIt.length, 2);
    assert.match(tryIt[0] ?? '', /npm run demo/);
    const seed = testedShellBlocks('test/emulator/readme-http.emulator.test.ts', 'docs/http-api.md');
    assert.equal(seed.length, 3);
    assert.match(seed[0] ?? '', /--data '\{"worktime":40\}'/);
  });
});
