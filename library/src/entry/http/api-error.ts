import type { ApiErrorBody } from '@async-jobs/contract';
import { refusalOf } from '../../core/errors';
import { STATUS_CODES } from './status-codes';

/** A refusal of the HTTP layer itself (401, 404 for a route, 405, 413, 415), with the code name it reports. */
export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** How long a client told 503 waits before trying again: the store's contention clears within a second or two. */
export const RETRY_AFTER_SECONDS = 1;

function badRequest(field: string, message: string): ApiErrorBody['error']['details'] {
  return [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: message }] }];
}

/**
 * The HTTP API's one mapping of refusals: turns what a route threw into the HTTP status, headers and JSON body to
 * answer with. A DomainError (or a store the core gave up on, core/errors.ts `refusalOf`) answers with its code's
 * HTTP status and, when it names a field, a field violation; a 503 says when to try again (`Retry-After`, in
 * seconds). Undefined for an error nobody meant to throw (the caller logs it and answers 500 without its details).
 */
export function toApiError(
  thrown: unknown,
): { httpStatus: number; headers: Record<string, string>; body: ApiErrorBody } | undefined {
  if (thrown instanceof ApiError) {
    return {
      httpStatus: thrown.httpStatus,
      headers: thrown.headers,
      body: { error: { code: thrown.httpStatus, message: thrown.message, status: thrown.status } },
    };
  }
  const refusal = refusalOf(thrown);
  if (refusal) {
    const { http, name } = STATUS_CODES[refusal.code];
    const details = refusal.field === undefined ? undefined : badRequest(refusal.field, refusal.message);
    return {
      httpStatus: http,
      headers: http === 503 ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {},
      body: { error: { code: http, message: refusal.message, status: name, ...(details ? { details } : {}) } },
    };
  }
  return undefined;
}
