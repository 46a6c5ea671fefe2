import type { JobErrorCode } from '@async-jobs/contract';
import { isLostRace, isTransientStoreError } from './ports/document-store';

/**
 * A refusal the core means to give a caller: the google.rpc code it stands for, a message for people, and the
 * field at fault when there is one. Each transport maps these to its own answer in one place (the callables to
 * HttpsError, the HTTP API to a status and a google.rpc body); anything else thrown is an internal error.
 */
export abstract class DomainError extends Error {
  abstract readonly code: JobErrorCode;
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

/** Bad input from a caller: `field` names what is wrong (`type`, `input.worktime`, or "" for the request). */
export class ValidationError extends DomainError {
  readonly code = 'invalid-argument';
  declare readonly field: string;

  constructor(field: string, message: string) {
    super(message, field);
    this.name = 'ValidationError';
  }
}

/** No such job for this caller: the same answer for a job that is missing and for another user's. */
export class JobNotFoundError extends DomainError {
  readonly code = 'not-found';

  constructor(readonly jobId: string) {
    super(`no job ${jobId}`);
    this.name = 'JobNotFoundError';
  }
}

/** The job's state does not allow what was asked (cancel a done job, delete a job not done). */
export class JobStateConflictError extends DomainError {
  readonly code = 'failed-precondition';

  constructor(message: string) {
    super(message);
    this.name = 'JobStateConflictError';
  }
}

/** The caller has as many jobs not done as the limit allows. */
export class QuotaExceededError extends DomainError {
  readonly code = 'resource-exhausted';

  constructor(
    readonly active: number,
    readonly limit: number,
  ) {
    super(`you have ${active} jobs not done; the limit is ${limit}: wait for one to end or cancel one`);
    this.name = 'QuotaExceededError';
  }
}

/** The caller already has as many requests waiting on jobs (`:wait`) as the limit allows. */
export class TooManyWaitsError extends DomainError {
  readonly code = 'resource-exhausted';

  constructor(readonly limit: number) {
    super(`you already have ${limit} requests waiting on jobs, the most at once; wait for one to return`);
    this.name = 'TooManyWaitsError';
  }
}

/** A requestId already made a job for a different request (AIP-155). */
export class RequestIdReusedError extends DomainError {
  readonly code = 'already-exists';

  constructor(requestId: string) {
    super(
      `requestId ${requestId} was already used for a different request (AIP-155); use a new requestId`,
      'requestId',
    );
    this.name = 'RequestIdReusedError';
  }
}

/** A create by a user signed in anonymously, in a deployment that allows none (ALLOW_ANONYMOUS_CREATES=false). */
export class AnonymousCreateRefusedError extends DomainError {
  readonly code = 'permission-denied';

  constructor() {
    super('this app creates jobs only for users signed in with an account, not anonymously');
    this.name = 'AnonymousCreateRefusedError';
  }
}

/**
 * The store did not carry the call within its budget: it failed for now, or lost every race it ran (a burst of
 * creates contending for the same owner or slots). Worth trying again shortly; a create that is tried again with the
 * same requestId finds its job if the first try did make it, so nothing is made twice.
 */
export class StoreBusyError extends DomainError {
  readonly code = 'unavailable';

  constructor(cause: unknown) {
    super('the job store is busy; try again in a moment (with the same requestId, a create is never made twice)');
    this.name = 'StoreBusyError';
    this.cause = cause;
  }
}

/**
 * What a transport answers for `thrown`: a DomainError as it is; a store failure the core gave up on after its
 * budget (transient, or a race lost every round) as StoreBusyError; undefined for anything else, an internal error.
 */
export function refusalOf(thrown: unknown): DomainError | undefined {
  if (thrown instanceof DomainError) return thrown;
  if (isTransientStoreError(thrown) || isLostRace(thrown)) return new StoreBusyError(thrown);
  return undefined;
}
