import type { ApiErrorBody } from '@async-jobs/contract';
import { DomainError } from '../../core/errors';
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

function badRequest(field: string, message: string): ApiErrorBody['error']['details'] {
  return [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: message }] }];
}

/**
 * The HTTP API's one mapping of refusals: turns what a route threw into the HTTP status, headers and JSON body to
 * answer with. A DomainError answers with its code's HTTP status and, when it names a field, a field violation;
 * undefined for an error nobody meant to throw (the caller logs it and answers 500 without its details).
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
  if (thrown instanceof DomainError) {
    const { http, name } = STATUS_CODES[thrown.code];
    const details = thrown.field === undefined ? undefined : badRequest(thrown.field, thrown.message);
    return {
      httpStatus: http,
      headers: {},
      body: { error: { code: http, message: thrown.message, status: name, ...(details ? { details } : {}) } },
    };
  }
  return undefined;
}
