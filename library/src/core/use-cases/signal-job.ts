import type { SignalJobResponse } from '@async-jobs/contract';
import { JobNotFoundError, JobStateConflictError, ValidationError } from '../errors';
import { isJobId } from '../job-id';
import { measureJson } from '../json-shape';
import { signalJob as recordSignal } from '../protocol/signal';
import { deadlineAfter } from '../store/store-access';
import type { CoreDeps } from './dispatch';
import { jobLimitMs, wakeJob } from './wake';

/** The most bytes a signal's payload may take, as JSON: it is stored as the wait's step result. */
export const MAX_SIGNAL_PAYLOAD_BYTES = 64 * 1024;

/** A signal's name: a step's (letters, digits and `_ . : -`, 1 to 100). */
const SIGNAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/**
 * Sends the signal `name` with `payload` to its owner's job that waits for it (`waitForSignal` in its handler): the
 * callable's and the HTTP API's signal (signalJobFromServer is a trusted server's). The payload is checked against
 * the schema the task declares for that signal, recorded in one fenced commit, and the job woken to go on at once.
 * A job not found (or another user's) is `not-found`; one that is done, or does not wait for this signal now (not
 * yet, no longer, or for another), is a state conflict; a name the task does not declare, or a payload its schema
 * refuses, is `invalid-argument` naming the field. Nothing is written when the answer is an error.
 */
export function signalJob(owner: string, data: unknown, deps: CoreDeps): Promise<SignalJobResponse> {
  return sendSignal(owner, data, deps);
}

/**
 * A trusted server's signal (the app's own code, with the Admin SDK's rights: a webhook, a back office): the same as
 * an owner's, to any user's job, with the same checks and answers.
 */
export function signalJobFromServer(data: unknown, deps: CoreDeps): Promise<SignalJobResponse> {
  return sendSignal(undefined, data, deps);
}

/** A signal from the job's owner (`owner`), or from a trusted server (undefined: any owner's job). */
async function sendSignal(owner: string | undefined, data: unknown, deps: CoreDeps): Promise<SignalJobResponse> {
  const request = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const { id, name, payload } = request;
  if (typeof id !== 'string' || id === '') throw new ValidationError('id', 'id must be a job id string');
  if (typeof name !== 'string' || !SIGNAL_NAME.test(name)) {
    throw new ValidationError('name', 'name must be the signal’s name: 1 to 100 letters, digits and _ . : -');
  }
  const bytes = measureJson(payload ?? null, 'payload');
  if (bytes > MAX_SIGNAL_PAYLOAD_BYTES) {
    throw new ValidationError(
      'payload',
      `payload takes ${bytes} bytes; at most ${MAX_SIGNAL_PAYLOAD_BYTES} are allowed`,
    );
  }
  if (!isJobId(id)) throw new JobNotFoundError(id);
  const parse = (type: string): unknown => {
    const schema = deps.tasks.get(type)?.signals?.[name];
    if (!schema) throw new ValidationError('name', `the task "${type}" declares no signal "${name}"`);
    const parsed = schema.safeParse(payload);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const field = ['payload', ...(issue?.path ?? []).map(String)].join('.');
    throw new ValidationError(field, `${field}: ${issue?.message ?? 'invalid'}`);
  };
  const settings = (type: string) => ({ retentionDays: deps.retentionDays(), jobLimitMs: jobLimitMs(deps, type) });
  const outcome = await recordSignal(deps.access, owner, id, name, parse, settings, deadlineAfter(deps.access));
  switch (outcome.kind) {
    case 'not-found':
      throw new JobNotFoundError(id);
    case 'not-waiting': {
      const now = outcome.waitingFor ? `it waits for "${outcome.waitingFor}"` : `it is ${outcome.state}`;
      throw new JobStateConflictError(`job ${id} is not waiting for the signal "${name}": ${now}`);
    }
    case 'signalled':
      // Woken now; if this fails, the sweep wakes it (its due time is now).
      try {
        await wakeJob(deps, id);
      } catch (e) {
        deps.log.timerFailed(id, e);
      }
      return { id, name, state: 'RUNNING' };
  }
}
