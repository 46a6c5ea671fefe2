/**
 * The HTTP function called in-process on a worker simulation: a request as the Functions runtime hands it over, a
 * response that records what the route answered, and the API's dependencies with a token verifier for one caller.
 */
import type { Request, Response } from 'firebase-functions/v2/https';
import { handleHttpRequest, type HttpApiDeps } from '../../../library/src/entry/http/http-api';
import type { WorkerSimulation } from './worker-simulation';

/** The ID token the simulated API takes as its caller's. */
export const TOKEN = 'a-valid-id-token';
/** An ID token of the same caller whose sessions were revoked since: valid until a revocation check. */
export const REVOKED_TOKEN = 'a-revoked-id-token';
/** The App Check token the simulated API takes as valid. */
export const APP_CHECK_TOKEN = 'a-valid-app-check-token';

/** What the route answered. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A request to the HTTP function, as the Functions runtime hands it over (parsed JSON body, raw body). */
export function httpRequest(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Request {
  const all: Record<string, string> = {
    authorization: `Bearer ${TOKEN}`,
    'content-type': 'application/json',
    ...headers,
  };
  const rawBody = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  return {
    method,
    path,
    body,
    rawBody,
    query: {},
    get: (name: string) => all[name.toLowerCase()],
    is: (type: string) => (all['content-type'] === type ? type : false),
  } as unknown as Request;
}

/** A response that records what the route answered. */
export function httpResponse(): { res: Response; answer: Answer } {
  const answer: Answer = { status: 0, headers: {}, body: undefined };
  const res = {
    status(code: number) {
      answer.status = code;
      return res;
    },
    set(headers: Record<string, string>) {
      Object.assign(answer.headers, headers);
      return res;
    },
    json(body: unknown) {
      answer.body = body;
      return res;
    },
  };
  return { res: res as unknown as Response, answer };
}

/**
 * The HTTP API on the simulation, for a caller whose ID token is TOKEN (uid `owner`), or REVOKED_TOKEN (refused
 * when checked for revocation); App Check enforced when `enforceAppCheck`, with APP_CHECK_TOKEN the one valid token;
 * the caller anonymous or not, and anonymous creates allowed or not, as `caller` says.
 */
export function httpApiDeps(
  sim: WorkerSimulation,
  owner: string,
  enforceAppCheck = false,
  caller: { anonymous: boolean; allowAnonymousCreates: boolean } = { anonymous: false, allowAnonymousCreates: true },
): HttpApiDeps {
  return {
    ...sim.createDeps,
    allowAnonymousCreates: () => caller.allowAnonymousCreates,
    verifyIdToken: (token, checkRevoked) =>
      token === TOKEN || (token === REVOKED_TOKEN && !checkRevoked)
        ? Promise.resolve({ uid: owner, anonymous: caller.anonymous })
        : Promise.reject(new Error(token === REVOKED_TOKEN ? 'auth/id-token-revoked' : 'not a valid ID token')),
    enforceAppCheck: () => enforceAppCheck,
    verifyAppCheckToken: (token) =>
      token === APP_CHECK_TOKEN ? Promise.resolve() : Promise.reject(new Error('not a valid App Check token')),
  };
}

/** What the API answered `req`. */
export async function callHttpApi(req: Request, deps: HttpApiDeps): Promise<Answer> {
  const { res, answer } = httpResponse();
  await handleHttpRequest(req, res, deps);
  return answer;
}
