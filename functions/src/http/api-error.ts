import { HttpsError } from 'firebase-functions/v2/https';
import type { JobErrorCode } from '../job/job-document';
import { STATUS_CODES } from '../job/status-codes';
import { ValidationError } from '../job/validation-error';

/** The JSON error body of the HTTP API: google.rpc.Status as Google's JSON APIs render it (AIP-193). */
export interface ApiErrorBody {
  error: {
    /** The HTTP status. */
    code: number;
    message: string;
    /** The google.rpc code name, such as NOT_FOUND. */
    status: string;
    details?: { '@type': string; fieldViolations: { field: string; description: string }[] }[];
  };
}

/** An HTTP-level refusal that has no rpc code of its own (405, 413, 415), with the code name it reports. */
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
 * Turns what a route threw into the HTTP status, headers and JSON body to answer with; undefined for an error
 * nobody meant to throw (the caller logs it and answers 500 without its details).
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
  if (thrown instanceof ValidationError) {
    const { http, name } = STATUS_CODES['invalid-argument'];
    return {
      httpStatus: http,
      headers: {},
      body: {
        error: { code: http, message: thrown.message, status: name, details: badRequest(thrown.field, thrown.message) },
      },
    };
  }
  if (thrown instanceof HttpsError) {
    const { http, name } = STATUS_CODES[thrown.code as JobErrorCode] ?? STATUS_CODES.internal;
    const field = (thrown.details as { field?: unknown } | undefined)?.field;
    const details = typeof field === 'string' ? badRequest(field, thrown.message) : undefined;
    const headers: Record<string, string> = thrown.code === 'unauthenticated' ? { 'WWW-Authenticate': 'Bearer' } : {};
    return {
      httpStatus: http,
      headers,
      body: { error: { code: http, message: thrown.message, status: name, ...(details ? { details } : {}) } },
    };
  }
  return undefined;
}
