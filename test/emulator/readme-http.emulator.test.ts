/**
 * The README's replay of the seed tutorial with curl, jq and watch, run as written against the emulator suite
 * (about 40 s: the seed's worktime), so the README cannot drift from the HTTP API.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emulatorHosts } from '../helpers/emulators';

const projectDir = join(__dirname, '..', '..');
const MARKER = '<!-- tested by test/emulator/readme-http.emulator.test.ts';

function testedShellBlocks(): string[] {
  const readme = readFileSync(join(projectDir, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(MARKER));
  const end = section.indexOf('\n## ');
  return [...section.slice(0, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

describe('README "The seed tutorial, replayed with curl" (emulator)', function () {
  this.timeout(120_000);
  before(() => emulatorHosts());

  it('creates a job with the seed body, shows it RUNNING under watch, and waits it out to COMPLETED', () => {
    const [create, watch, wait] = testedShellBlocks();
    assert.ok(create && watch && wait, 'three blocks');
    assert.match(create, /--data '\{"worktime":40\}'/);
    assert.match(watch, /^watch /);
    const dir = mkdtempSync(join(tmpdir(), 'readme-http-'));
    const watchScript = join(dir, 'watch.sh');
    writeFileSync(watchScript, watch);
    // `watch` needs a terminal: `script` gives it one; `timeout` stands in for the reader's Ctrl-C.
    const script = [
      create,
      `timeout 6 script -qec 'bash ${watchScript}' ${join(dir, 'watch.typescript')} > ${join(dir, 'watch.out')} || true`,
      'echo "JOBID=$JOBID"',
      wait,
    ].join('\n');
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: projectDir,
      encoding: 'utf8',
      timeout: 110_000,
      env: { ...process.env, TERM: 'xterm' },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /JOBID=\w{20}\n/);
    const watched = readFileSync(join(dir, 'watch.out'), 'utf8');
    assert.match(watched, /"state": "RUNNING"/, 'watch showed the job running');
    const final = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as Record<string, unknown>;
    assert.deepEqual(final, { state: 'COMPLETED', done: true, response: 'OK completed' });
  });
});
