import type { CancelJobResponse, CreateJobResponse, CreateJobsResponse, SignalJobResponse } from '@async-jobs/contract';
import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import { refusalOf } from '../core/errors';
import { cancelJob } from '../core/use-cases/cancel-job';
import { createJob, createJobsBatch, type CreateJobDeps } from '../core/use-cases/create-job';
import { signalJob } from '../core/use-cases/signal-job';

/** What the callables need: the use cases' dependencies and the App Check setting. */
export interface CallableDeps extends CreateJobDeps {
  /** ENFORCE_APP_CHECK, read per call. */
  enforceAppCheck(): boolean;
}

/**
 * The uid of a signed-in caller, or `unauthenticated`: every callable checks the caller before anything else.
 * With `enforceAppCheck`, a request without a valid App Check token is refused too (firebase-functions has
 * already verified a token that was sent; `request.app` is set only then).
 */
export function requireCaller(request: CallableRequest<unknown>, callable: string, enforceAppCheck: boolean): string {
  if (enforceAppCheck && !request.app) {
    throw new HttpsError('unauthenticated', `${callable} needs a valid App Check token from this app`);
  }
  const uid = request.auth?.uid;
  if (!uid) throw new HttpsError('unauthenticated', `${callable} needs a signed-in user (Firebase Auth)`);
  return uid;
}

/**
 * The callables' one mapping of the core's refusals (core/errors.ts `refusalOf`): a DomainError, or a store the core
 * gave up on (`unavailable`), becomes the HttpsError of its code, with `details.field` when it names a field.
 * Anything else is rethrown as it is, and firebase-functions answers it as `internal` without its details.
 */
export function toHttpsError(thrown: unknown): unknown {
  const refusal = refusalOf(thrown);
  if (!refusal) return thrown;
  return new HttpsError(
    refusal.code,
    refusal.message,
    refusal.field === undefined ? undefined : { field: refusal.field },
  );
}

/** Runs a use case for a callable, mapping what it refuses. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw toHttpsError(e);
  }
}

/** Callable `createJob({ type, input, requestId? })`: the caller, then the createJob use case. */
export function handleCreateJobCall(request: CallableRequest<unknown>, deps: CallableDeps): Promise<CreateJobResponse> {
  return answer(() => createJob(requireCaller(request, 'createJob', deps.enforceAppCheck()), request.data, deps));
}

/** Callable `createJobs({ jobs: [{ type, input }, …], requestId? })`: the caller, then the batch create. */
export function handleCreateJobsCall(
  request: CallableRequest<unknown>,
  deps: CallableDeps,
): Promise<CreateJobsResponse> {
  return answer(() =>
    createJobsBatch(requireCaller(request, 'createJobs', deps.enforceAppCheck()), request.data, deps),
  );
}

/** Callable `cancelJob({ id })`: the caller, then the cancelJob use case. */
export function handleCancelJobCall(request: CallableRequest<unknown>, deps: CallableDeps): Promise<CancelJobResponse> {
  return answer(() => cancelJob(requireCaller(request, 'cancelJob', deps.enforceAppCheck()), request.data, deps));
}

/** Callable `signalJob({ id, name, payload })`: the caller, then the signalJob use case. */
export function handleSignalJobCall(request: CallableRequest<unknown>, deps: CallableDeps): Promise<SignalJobResponse> {
  return answer(() => signalJob(requireCaller(request, 'signalJob', deps.enforceAppCheck()), request.data, deps));
}
