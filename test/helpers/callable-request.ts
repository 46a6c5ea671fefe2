/** Callable requests as firebase-functions hands them to a handler, for tests that call the handlers in process. */
import type { CallableRequest } from 'firebase-functions/v2/https';
import type { DecodedIdToken } from 'firebase-admin/auth';

/** The prefix of the raw ID token an in-process callable request carries by default (its uid follows). */
export const IN_PROCESS_TOKEN = 'in-process-token:';

/**
 * A callable request from `uid` (or signed out), carrying `rawToken` as its ID token: by default the in-process
 * token of `uid`, which in-process deps verify; a test of token checks passes its own.
 */
export function callableRequest(
  uid: string | undefined,
  data: unknown,
  rawToken = `${IN_PROCESS_TOKEN}${uid}`,
): CallableRequest<unknown> {
  return {
    data,
    auth: uid ? { uid, token: { uid } as DecodedIdToken, rawToken } : undefined,
    rawRequest: {} as CallableRequest['rawRequest'],
    acceptsStreaming: false,
  };
}
