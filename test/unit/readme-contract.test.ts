/**
 * The README's contract is what clients build against; these checks keep it from drifting from the code:
 * the job document table, the state diagram, the params and the task limits.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_PRIMES_BELOW, PRIMES_TIMEOUT_SECONDS } from '../../functions/src/tasks/primes';
import { MAX_WORKTIME_SECONDS, SLEEP_TIMEOUT_SECONDS } from '../../functions/src/tasks/sleep';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const readme = read('README.md');

/** The text of the README section that starts with `heading`, up to the next heading of any level. */
function section(heading: string): string {
  const start = readme.indexOf(`${heading}\n`);
  assert.ok(start >= 0, `README has "${heading}"`);
  const rest = readme.slice(start + heading.length);
  const end = rest.search(/\n#{2,3} /);
  return end < 0 ? rest : rest.slice(0, end);
}

describe('README contract', () => {
  it('names every field of JobDocument in the job document table, and no other', () => {
    const source = read('contract/src/job-document.ts');
    const body = source.slice(source.indexOf('export interface JobDocument<'));
    const interfaceBody = body.slice(0, body.indexOf('\n}'));
    const fields = [...interfaceBody.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
    assert.ok(fields.length >= 10, `parsed ${fields.length} fields`);
    const tableFields = (table: string) =>
      [...table.matchAll(/^\| ([^|]+)\|/gm)].flatMap((m) => [...(m[1] ?? '').matchAll(/`(\w+)`/g)].map((f) => f[1]));
    const documented = tableFields(section('### Job document `jobs/{id}`'));
    // The field the operator console's retry adds is documented with the console, in its own table.
    const consoleDoc = read('docs/console.md');
    const consoleTable = consoleDoc.slice(consoleDoc.indexOf('The new job records what it retries:'));
    const consoleFields = tableFields(consoleTable.slice(0, consoleTable.indexOf('\n## ')));
    assert.deepEqual(consoleFields, ['retryOf']);
    assert.deepEqual([...documented, ...consoleFields].sort(), [...fields].sort());
  });

  it('draws the same state diagram as contract/src/job-state.ts', () => {
    const source = read('contract/src/job-state.ts');
    const comment = source.slice(source.indexOf('/**'), source.indexOf('*/'));
    const codeLines = comment
      .split('\n')
      .map((line) => line.replace(/^ \* ?/, ''))
      .filter((line) => /[─│▶▲]/.test(line));
    const indent = Math.min(...codeLines.map((line) => line.length - line.trimStart().length));
    const fromCode = codeLines.map((line) => line.slice(indent).trimEnd());
    const diagram = /```text\n([\s\S]*?)```/.exec(section('### States'))?.[1] ?? '';
    assert.deepEqual(diagram.trimEnd().split('\n'), fromCode);
  });

  it('lists each param of functions/.env with the value the file sets', () => {
    const env = Object.fromEntries(
      read('functions/.env')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => line.split('=') as [string, string]),
    );
    const table = section('## Configuration');
    assert.ok(Object.keys(env).length >= 4);
    for (const [name, value] of Object.entries(env)) {
      assert.match(table, new RegExp(`\\| \`${name}\` +\\| ${value} +\\|`), `${name}=${value}`);
    }
  });

  it('states the exactly-once document and at-least-once handler contract, with the keys TaskContext has', () => {
    const guarantees = section('### Guarantees');
    assert.match(guarantees, /job document changes exactly once per state/);
    assert.match(guarantees, /side effects happen at least once/);
    const source = read('library/src/core/tasks/task.ts');
    const context = source.slice(source.indexOf('export interface TaskContext'));
    const keys = [...context.slice(0, context.indexOf('\n}')).matchAll(/^ {2}(\w*[iI]dempotencyKey):/gm)].map(
      (m) => m[1],
    );
    assert.deepEqual(keys, ['idempotencyKey', 'attemptIdempotencyKey']);
    for (const key of keys) assert.match(guarantees, new RegExp(`context\\.${key}`));
  });

  it('states the task limits the code enforces', () => {
    const tasks = section('### Callable `createJob({ type, input, requestId?, delaySeconds? })`');
    assert.match(tasks, new RegExp(`0 ≤ s ≤ ${MAX_WORKTIME_SECONDS} .*\\| ${SLEEP_TIMEOUT_SECONDS} s`));
    assert.equal(MAX_PRIMES_BELOW, 1e9);
    assert.match(tasks, new RegExp(`2 ≤ below ≤ 10⁹ .*\\| ${PRIMES_TIMEOUT_SECONDS} s`));
  });
});
