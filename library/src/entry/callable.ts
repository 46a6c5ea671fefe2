import type {
  AdminRetryJobResponse,
  CancelJobResponse,
  CreateJobResponse,
  CreateJobsResponse,
  SignalJobResponse,
} from '@async-jobs/contract';
import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';
import { AnonymousCreateRefusedError, refusalOf } from '../core/errors';
import { cancelJob } from '../core/use-cases/cancel-job';
import { createJob, createJobsBatch, type CreateJobDeps } from '../core/use-cases/create-job';
import { cancelJobAsOperator, retryJobAsOperator } from '../core/use-cases/operator-jobs';
import { signalJob } from '../core/use-cases/signal-job';
import { hasOperatorClaim, OPERATOR_CLAIM } from './operator-claim';

/** The Admin SDK's verifyIdToken, for the entry points that check a caller's token themselves. */
export interface IdTokenVerifier {
  /**
   * Resolves with the token's uid; rejects for a bad or expired token, and with `checkRevoked` also for a user whose
   * sessions were revoked or whose account is disabled (one Firebase Auth lookup per call).
   */
  verifyIdToken(token: string, checkRevoked: boolean): Promise<VerifiedCaller>;
  /** ALLOW_ANONYMOUS_CREATES, read per call: whether a user signed in anonymously may create jobs. */
  allowAnonymousCreates(): boolean;
}

/** Who a verified ID token names: the uid, and whether the user signed in anonymously. */
export interface VerifiedCaller {
  uid: string;
  anonymous: boolean;
}

/** A create by a user signed in anonymously, where ALLOW_ANONYMOUS_CREATES is false. */
export function refuseAnonymousCreate(caller: VerifiedCaller, verifier: IdTokenVerifier): void {
  if (caller.anonymous && !verifier.allowAnonymousCreates()) {
    throw new AnonymousCreateRefusedError();
  }
}

/** What the callables need: the use cases' dependencies, the App Check setting and the token verifier. */
export interface CallableDeps extends CreateJobDeps, IdTokenVerifier {
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
 * The caller, as requireCaller finds it, for a call that costs or acts (a create, a signal): also refused when the
 * user's sessions were revoked or the account disabled since the token was issued. firebase-functions verifies a
 * callable's token without that check (an ID token stays valid for up to an hour), so it is made here, at the cost
 * of one Firebase Auth lookup per such call. Reads and cancels take the token as it is.
 */
export async function requireLiveCaller(
  request: CallableRequest<unknown>,
  callable: string,
  deps: CallableDeps,
): Promise<VerifiedCaller> {
  const uid = requireCaller(request, callable, deps.enforceAppCheck());
  const token = request.auth?.rawToken ?? '';
  let caller: VerifiedCaller;
  try {
    caller = await deps.verifyIdToken(token, true);
  } catch {
    throw new HttpsError('unauthenticated', `${callable} refused: this user's sign-in was revoked or is disabled`);
  }
  return { ...caller, uid };
}

/**
 * Runs a create for its caller, who must be live (requireLiveCaller) and not anonymous where the deployment allows
 * none. The token's signature is already verified, so the create's reads start at once, beside the Firebase Auth
 * lookup, and its first write waits for the lookup (`writesAllowed`): the lookup costs the call no time of its own,
 * and a refused caller leaves nothing behind. A refused caller's error is the answer, whatever the create decided.
 */
async function asLiveCreator<T>(
  request: CallableRequest<unknown>,
  callable: string,
  deps: CallableDeps,
  create: (uid: string, writesAllowed: Promise<void>) => Promise<T>,
): Promise<T> {
  const uid = requireCaller(request, callable, deps.enforceAppCheck());
  const creator = requireLiveCaller(request, callable, deps).then((caller) => refuseAnonymousCreate(caller, deps));
  // Handled below, whichever settles first: an unhandled rejection must not end the process meanwhile.
  creator.catch(() => undefined);
  let made: T;
  try {
    made = await create(uid, creator);
  } catch (e) {
    await creator;
    throw e;
  }
  await creator;
  return made;
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
  return answer(() =>
    asLiveCreator(request, 'createJob', deps, (uid, writesAllowed) =>
      createJob(uid, request.data, deps, writesAllowed),
    ),
  );
}

/** Callable `createJobs({ jobs: [{ type, input }, …], requestId? })`: the caller, then the batch create. */
export function handleCreateJobsCall(
  request: CallableRequest<unknown>,
  deps: CallableDeps,
): Promise<CreateJobsResponse> {
  return answer(() =>
    asLiveCreator(request, 'createJobs', deps, (uid, writesAllowed) =>
      createJobsBatch(uid, request.data, deps, writesAllowed),
    ),
  );
}

/** Callable `cancelJob({ id })`: the caller, then the cancelJob use case. */
export function handleCancelJobCall(request: CallableRequest<unknown>, deps: CallableDeps): Promise<CancelJobResponse> {
  return answer(() => cancelJob(requireCaller(request, 'cancelJob', deps.enforceAppCheck()), request.data, deps));
}

/** Callable `signalJob({ id, name, payload })`: the caller, then the signalJob use case. */
export function handleSignalJobCall(request: CallableRequest<unknown>, deps: CallableDeps): Promise<SignalJobResponse> {
  return answer(async () => signalJob((await requireLiveCaller(request, 'signalJob', deps)).uid, request.data, deps));
}

/**
 * The caller of an operator callable: signed in (`unauthenticated` otherwise), with the claim `admin: true` in the
 * token firebase-functions verified (`permission-denied` otherwise, before the request is read, so a refusal says
 * nothing about the job), and live: an operator whose sessions were revoked is refused at once, although a token
 * issued before keeps its claims for up to an hour (one Firebase Auth lookup per call).
 */
async function requireOperator(request: CallableRequest<unknown>, callable: string, deps: CallableDeps) {
  const uid = requireCaller(request, callable, deps.enforceAppCheck());
  if (!hasOperatorClaim(request.auth?.token)) {
    throw new HttpsError(
      'permission-denied',
      `${callable} is for operators: the caller's token has no ${OPERATOR_CLAIM} claim`,
    );
  }
  await requireLiveCaller(request, callable, deps);
  return uid;
}

/** Callable `adminCancelJob({ id })`: an operator, then the cancel of any user's job. */
export function handleAdminCancelJobCall(
  request: CallableRequest<unknown>,
  deps: CallableDeps,
): Promise<CancelJobResponse> {
  return answer(async () => {
    await requireOperator(request, 'adminCancelJob', deps);
    return cancelJobAsOperator(request.data, deps);
  });
}

/** Callable `adminRetryJob({ id })`: an operator, then a new job retrying any user's FAILED or CANCELLED job. */
export function handleAdminRetryJobCall(
  request: CallableRequest<unknown>,
  deps: CallableDeps,
): Promise<AdminRetryJobResponse> {
  return answer(async () => {
    await requireOperator(request, 'adminRetryJob', deps);
    return retryJobAsOperator(request.data, deps);
  });
}
