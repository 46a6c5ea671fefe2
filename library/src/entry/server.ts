import type { SignalJobRequest, SignalJobResponse } from '@async-jobs/contract';
import { refusalOf } from '../core/errors';
import type { CoreDeps } from '../core/use-cases/dispatch';
import { signalJobFromServer } from '../core/use-cases/signal-job';

/**
 * The app's own server code (a webhook, a back office, another function) acting with the Admin SDK's rights, in
 * its own process: no caller to check, any user's job. What it is refused rejects with the core's error, whose
 * `code` is the one a client would get (`not-found`, `failed-precondition`, `invalid-argument` with its `field`,
 * `unavailable` when Firestore could not carry it in time).
 */
export async function signalJobAsServer(request: SignalJobRequest, deps: CoreDeps): Promise<SignalJobResponse> {
  try {
    return await signalJobFromServer(request, deps);
  } catch (e) {
    throw refusalOf(e) ?? e;
  }
}
