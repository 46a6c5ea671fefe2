/**
 * The README's "Try it" commands, run as written against the emulator suite, so the README cannot drift.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { emulatorHosts } from '../helpers/emulators';
import { projectDir, testedShellBlocks } from '../helpers/readme';

const TESTED_BY = 'test/emulator/readme.emulator.test.ts';

function run(script: string): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: projectDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe('README "Try it" (emulator)', () => {
  before(() => emulatorHosts());

  it('has the two tested blocks: the demo and the curl call', () => {
    const blocks = testedShellBlocks(TESTED_BY);
    assert.equal(blocks.length, 2);
    assert.match(blocks[0] ?? '', /npm run demo/);
    assert.match(blocks[1] ?? '', /curl/);
  });

  it('npm run demo creates a job and follows it to COMPLETED', () => {
    const { stdout, stderr, status } = run(testedShellBlocks(TESTED_BY)[0] ?? '');
    assert.equal(status, 0, stderr);
    assert.match(stdout, /created job \w+ \(sleep \{"worktime":5\}\)/);
    assert.match(stdout, /RUNNING attempts=1 \d+% slept \d s of 5 s/);
    assert.match(stdout, /COMPLETED attempts=1 result="OK completed"/);
  });

  it('the curl commands create a job with an Auth emulator token', () => {
    const { stdout, stderr, status } = run(testedShellBlocks(TESTED_BY)[1] ?? '');
    assert.equal(status, 0, stderr);
    const body = JSON.parse(stdout) as { result: { id: string; type: string; state: string } };
    assert.equal(body.result.type, 'sleep');
    assert.equal(body.result.state, 'CREATED');
    assert.match(body.result.id, /^\w{20}$/);
  });
});
