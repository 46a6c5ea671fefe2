import { HttpsError, type CallableRequest } from 'firebase-functions/v2/https';

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
