/**
 * The worker's structured log entries (docs/operations.md "Logs and observability"): the worker runs in this process on the
 * emulators, and what firebase-functions' logger writes to stdout and stderr is read back as JSON.
 */
import assert from 'node:assert/strict';
import { handleTaskMessage } from '../../library/src/entry/worker';
import { readJob } from '../helpers/admin';
import { CapturingQueue, inProcessDeps } from '../helpers/in-process';
import { deliveredMessage } from '../helpers/messages';
import { createDispatchedJob } from '../helpers/queued-jobs';

type LogEntry = Record<string, unknown> & { message: string; severity: string };

/** Runs `work` and returns the JSON log entries written meanwhile (other output passes through). */
async function logsOf(work: () => Promise<void>): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write.bind(stream));
  streams.forEach((stream, i) => {
    stream.write = (chunk: string | Uint8Array, ...rest: never[]) => {
      const text = chunk.toString();
      if (text.startsWith('{')) entries.push(JSON.parse(text) as LogEntry);
      else return writes[i](chunk, ...rest);
      return true;
    };
  });
  try {
    await work();
  } finally {
    streams.forEach((stream, i) => (stream.write = writes[i]));
  }
  return entries;
}

describe('worker logs (emulator)', () => {
  const deps = inProcessDeps({ queue: new CapturingQueue() });
  const owner = `log-owner-${Date.now()}`;

  async function run(type: string, input: Record<string, unknown>): Promise<{ id: string; entries: LogEntry[] }> {
    const { id, sent } = await createDispatchedJob(deps.access, owner, { type, input });
    const entries = await logsOf(() => handleTaskMessage(deliveredMessage(id, type, `m-${id}`, sent), deps));
    return { id, entries: entries.filter((e) => e.jobId === id) };
  }

  it('names the job, type, owner and attempt at each transition, with the durations at the end', async () => {
    const { id, entries } = await run('sleep', { worktime: 0 });
    const running = entries.find((e) => e.message === 'job running');
    const completed = entries.find((e) => e.message === 'job completed');
    assert.ok(running && completed, `entries: ${entries.map((e) => e.message).join(', ')}`);
    for (const entry of [running, completed]) {
      assert.equal(entry.jobId, id);
      assert.equal(entry.type, 'sleep');
      assert.equal(entry.owner, owner);
      assert.equal(entry.attempt, 1);
      assert.equal(typeof entry.queueMillis, 'number');
    }
    assert.equal(running.severity, 'INFO');
    assert.equal(typeof completed.runMillis, 'number');
    const job = await readJob(id);
    assert.equal(completed.runMillis, job.runMillis, 'the log and the document carry the same durations');
    assert.equal(completed.queueMillis, job.queueMillis);
  });

  it('logs a failure with its reason (code and message), and never the input', async () => {
    const { entries } = await run('test.fail', { message: 'no such file', code: 'not-found' });
    const failed = entries.find((e) => e.message === 'job failed');
    assert.ok(failed, `entries: ${entries.map((e) => e.message).join(', ')}`);
    assert.equal(failed.severity, 'WARNING');
    assert.deepEqual(failed.error, { code: 'not-found', message: 'no such file' });
    assert.equal(failed.owner, owner);
    assert.equal(typeof failed.runMillis, 'number');
    for (const entry of entries) assert.equal(entry.input, undefined, `${entry.message} logs no input`);
  });

  it('logs a retry with the reason of the attempt that failed', async () => {
    const { entries } = await run('test.flaky', { succeedOnAttempt: 2 });
    const retrying = entries.find((e) => e.message === 'job failed transiently; retry queued');
    assert.ok(retrying, `entries: ${entries.map((e) => e.message).join(', ')}`);
    assert.deepEqual(retrying.error, { code: 'unavailable', message: 'transient failure on attempt 1' });
  });
});
