import { ValidationError } from '../../core/errors';
import type { PageCursor } from '../../core/protocol/owner-jobs';

/**
 * The seed tutorial's body, `{"worktime":40}`, is a sleep job; any other body is a createJob request as is.
 * So the seed's curl commands work unchanged (with a token), and new clients use `{ type, input, requestId? }`.
 */
export function createRequestFromBody(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && !('type' in body) && 'worktime' in body) {
    return { type: 'sleep', input: body };
  }
  return body;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `pageSize` from a query string: a whole number 1–100, default 20 (AIP-158). */
export function parsePageSize(value: unknown): number {
  if (value === undefined || value === '') return DEFAULT_PAGE_SIZE;
  const size = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(size >= 1 && size <= MAX_PAGE_SIZE)) {
    throw new ValidationError('pageSize', `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/** The opaque `nextPageToken` for a cursor. */
export function encodePageToken(cursor: PageCursor): string {
  // The create time in whole µs, the precision Firestore keeps, so the next page starts exactly after this one.
  return Buffer.from(JSON.stringify([Math.round(cursor.createTime * 1000), cursor.id]), 'utf8').toString('base64url');
}

/** The cursor in a `pageToken`, or a ValidationError for a token this API did not make. */
export function decodePageToken(value: unknown): PageCursor | undefined {
  if (value === undefined || value === '') return undefined;
  const invalid = new ValidationError('pageToken', 'pageToken is not one this API returned');
  if (typeof value !== 'string') throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !Number.isSafeInteger(parsed[0]) ||
    typeof parsed[1] !== 'string' ||
    !/^[A-Za-z0-9_-]{1,128}$/.test(parsed[1])
  ) {
    throw invalid;
  }
  return { createTime: (parsed[0] as number) / 1000, id: parsed[1] };
}

export const DEFAULT_WAIT_SECONDS = 30;
export const MAX_WAIT_SECONDS = 60;

/** `timeout` of `:wait` as a google.protobuf.Duration string (`"30s"`, `"2.5s"`), in ms; default 30 s, max 60 s. */
export function parseWaitTimeout(value: unknown): number {
  if (value === undefined || value === '') return DEFAULT_WAIT_SECONDS * 1000;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d{1,9})?)s$/.exec(value) : null;
  const seconds = match ? Number(match[1]) : NaN;
  if (!(seconds >= 0 && seconds <= MAX_WAIT_SECONDS)) {
    throw new ValidationError('timeout', `timeout must be a duration such as "30s", at most ${MAX_WAIT_SECONDS}s`);
  }
  return Math.round(seconds * 1000);
}
