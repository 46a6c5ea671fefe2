/**
 * docs/http-api.md's replay of the seed tutorial with curl, jq and watch, run as written against the emulator suite
 * (about 40 s: the seed's worktime), so the page cannot drift from the HTTP API.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emulatorHosts } from '../helpers/emulators';
import { projectDir, testedShellBlocks } from '../helpers/readme';

const TESTED_BY = 'test/emulator/readme-http.emulator.test.ts';
const DOC = 'docs/http-api.md';

/** Runs `watch` in a terminal (`script` gives it one) until its output shows `pattern`, then stops it (Ctrl-C). */
function watchUntil(block: string, env: NodeJS.ProcessEnv, pattern: RegExp, deadlineMs: number): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'readme-http-')), 'watch.sh');
  writeFileSync(file, block);
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', `bash ${file}`, '/dev/null'], { env, detached: true });
    let screen = '';
    const stop = () => {
      clearTimeout(timer);
      if (child.pid) process.kill(-child.pid, 'SIGINT');
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`watch did not show ${pattern} within ${deadlineMs} ms; it showed:\n${screen.slice(-2000)}`));
    }, deadlineMs);
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (pattern.test(screen)) {
        stop();
        resolve(screen);
      }
    });
  });
}

describe('docs/http-api.md "The seed tutorial, replayed with curl" (emulator)', function () {
  this.timeout(150_000);
  before(() => emulatorHosts());

  it('creates a job with the seed body, shows it RUNNING under watch, and waits it out to COMPLETED', async () => {
    const [create, watch, wait] = testedShellBlocks(TESTED_BY, DOC);
    assert.ok(create && watch && wait, 'three blocks');
    assert.match(create, /--data '\{"worktime":40\}'/);
    assert.match(watch, /^watch /);

    // The first block, as pasted into a shell; its variables go on to the next blocks, as in one terminal.
    const created = spawnSync(
      'bash',
      ['-euo', 'pipefail', '-c', `${create}\nprintf '%s\\n' "$URL" "$TOKEN" "$JOBID"`],
      {
        cwd: projectDir,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(created.status, 0, created.stderr);
    const [URL, TOKEN, JOBID] = created.stdout.trim().split('\n');
    assert.match(JOBID ?? '', /^\w{20}$/);
    const env = { ...process.env, URL, TOKEN, JOBID, TERM: 'xterm' };

    // watch redraws only what changed, so RUNNING shows up where CREATED stood, not beside "state".
    const screen = await watchUntil(watch, env, /RUNNING/, 60_000);
    assert.match(screen, new RegExp(`"id": "${JOBID}"`));

    const waited = spawnSync('bash', ['-euo', 'pipefail', '-c', wait], {
      cwd: projectDir,
      encoding: 'utf8',
      timeout: 90_000,
      env,
    });
    assert.equal(waited.status, 0, waited.stderr);
    assert.deepEqual(JSON.parse(waited.stdout), { state: 'COMPLETED', done: true, response: 'OK completed' });
  });
});
