import type { ListJobsResponse } from '@async-jobs/contract';
import type { Request, Response } from 'firebase-functions/v2/https';
import { cancelJob } from '../../core/use-cases/cancel-job';
import { signalJob } from '../../core/use-cases/signal-job';
import { createJob, createJobsBatch, type CreateJobDeps } from '../../core/use-cases/create-job';
import { deleteOwnedJob, getOwnedJob, listOwnedJobs, waitForOwnedJob } from '../../core/use-cases/owned-jobs';
import { refuseAnonymousCreate, type IdTokenVerifier, type VerifiedCaller } from '../callable';
import { ApiError, toApiError } from './api-error';
import { toOperation } from './operation';
import {
  createRequestFromBody,
  decodePageToken,
  encodePageToken,
  parsePageSize,
  parseWaitTimeout,
} from './request-parsing';
import { matchRoute, type RouteName } from './routes';

/** What the HTTP API needs: the use cases' dependencies and a way to verify Firebase ID and App Check tokens. */
export interface HttpApiDeps extends CreateJobDeps, IdTokenVerifier {
  /** ENFORCE_APP_CHECK, read per request: the HTTP API then requires an App Check token as the callables do. */
  enforceAppCheck(): boolean;
  /** The Admin SDK's App Check verifyToken: resolves for a valid token of this project's apps, rejects otherwise. */
  verifyAppCheckToken(token: string): Promise<void>;
}

/**
 * With ENFORCE_APP_CHECK, a request without a valid App Check token (`X-Firebase-AppCheck`, the header the
 * Firebase SDKs send) is refused 401 before anything else is read, as the callables refuse it.
 */
async function requireAppCheck(req: Request, deps: HttpApiDeps): Promise<void> {
  if (!deps.enforceAppCheck()) return;
  const token = req.get('x-firebase-appcheck');
  const refused = new ApiError(401, 'UNAUTHENTICATED', 'send a valid App Check token: X-Firebase-AppCheck: <token>');
  if (!token) throw refused;
  await deps.verifyAppCheckToken(token).catch(() => {
    throw refused;
  });
}

/**
 * The largest request body accepted (413 past it). A create's input is at most MAX_INPUT_BYTES (10 KiB), so a
 * bigger body can only be a mistake or abuse, and it is refused before anything else looks at it.
 */
export const MAX_HTTP_BODY_BYTES = 64 * 1024;

/** The largest body of a batch create: up to 500 inputs of MAX_INPUT_BYTES each. */
export const MAX_HTTP_BATCH_BODY_BYTES = 6 * 1024 * 1024;

const unauthenticated = (message: string) =>
  new ApiError(401, 'UNAUTHENTICATED', message, { 'WWW-Authenticate': 'Bearer' });

/** The routes that cost or act (creates, a signal): their caller's token is checked for revocation too. */
const ACTING_ROUTES: ReadonlySet<RouteName> = new Set(['create', 'batchCreate', 'signal']);

/**
 * The caller's uid from `Authorization: Bearer <Firebase ID token>`, or 401. For a route that costs or acts, a user
 * whose sessions were revoked or whose account is disabled is refused too (one Firebase Auth lookup per such
 * request); reads and cancels take a token as valid until it expires (an hour at most).
 */
async function authenticate(req: Request, route: RouteName, deps: HttpApiDeps): Promise<VerifiedCaller> {
  const token = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
  if (!token) throw unauthenticated('send a Firebase ID token: Authorization: Bearer <token>');
  try {
    return await deps.verifyIdToken(token, ACTING_ROUTES.has(route));
  } catch {
    throw unauthenticated('the ID token is not valid (malformed, expired or revoked)');
  }
}

/**
 * A create's body: not too big, and JSON. The size is checked on the raw body before the parsed one is looked
 * at (the Functions runtime has parsed it already; nothing of ours reads an oversized body).
 */
function requireJsonBody(req: Request, maxBytes = MAX_HTTP_BODY_BYTES): unknown {
  if ((req.rawBody?.length ?? 0) > maxBytes) {
    throw new ApiError(413, 'INVALID_ARGUMENT', `the request body is over ${maxBytes} bytes`);
  }
  if (!req.is('application/json')) {
    throw new ApiError(415, 'INVALID_ARGUMENT', 'send the request body as JSON (Content-Type: application/json)');
  }
  return req.body as unknown;
}

type RouteHandler = (req: Request, owner: string, id: string, deps: HttpApiDeps) => Promise<[number, unknown]>;

const ROUTES: Record<RouteName, RouteHandler> = {
  async create(req, owner, _id, deps) {
    const created = await createJob(owner, createRequestFromBody(requireJsonBody(req)), deps);
    return [201, toOperation(created.id, await getOwnedJob(deps.access, owner, created.id))];
  },
  async batchCreate(req, owner, _id, deps) {
    return [201, await createJobsBatch(owner, requireJsonBody(req, MAX_HTTP_BATCH_BODY_BYTES), deps)];
  },
  async list(req, owner, _id, deps) {
    const page = await listOwnedJobs(
      deps.access,
      owner,
      parsePageSize(req.query.pageSize),
      decodePageToken(req.query.pageToken),
    );
    const body: ListJobsResponse = {
      operations: page.jobs.map(({ id, job }) => toOperation(id, job)),
      ...(page.next ? { nextPageToken: encodePageToken(page.next) } : {}),
    };
    return [200, body];
  },
  async get(_req, owner, id, deps) {
    return [200, toOperation(id, await getOwnedJob(deps.access, owner, id))];
  },
  async delete(_req, owner, id, deps) {
    await deleteOwnedJob(deps.access, owner, id);
    return [200, {}];
  },
  async cancel(_req, owner, id, deps) {
    await cancelJob(owner, { id }, deps);
    return [200, toOperation(id, await getOwnedJob(deps.access, owner, id))];
  },
  async signal(req, owner, id, deps) {
    const body = requireJsonBody(req);
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    await signalJob(owner, { id, name: fields.name, payload: fields.payload }, deps);
    return [200, toOperation(id, await getOwnedJob(deps.access, owner, id))];
  },
  async wait(req, owner, id, deps) {
    const timeoutMs = parseWaitTimeout(req.query.timeout);
    const { maxWaitsPerUser } = deps.limits();
    // A client that goes away (closed its connection, or timed out itself) ends the wait and gives its place back:
    // the response closes before anything was written to it. (The request's own 'close' is no sign: it comes once
    // the request has been read.)
    const gone = new AbortController();
    req.res?.once('close', () => {
      if (!req.res?.writableEnded) gone.abort();
    });
    const job = await waitForOwnedJob(deps.access, owner, id, timeoutMs, maxWaitsPerUser, gone.signal);
    return [200, toOperation(id, job)];
  },
};

/**
 * The `jobs` HTTP function: the seed's POST / GET flow and AIP-151's operations over the same jobs, with the same
 * validation and lifecycle as the callables (both call the same use cases). Every answer is JSON.
 */
export async function handleHttpRequest(req: Request, res: Response, deps: HttpApiDeps): Promise<void> {
  try {
    const route = matchRoute(req.method, req.path);
    if (route.kind === 'not-found') throw new ApiError(404, 'NOT_FOUND', `no such route: ${req.method} ${req.path}`);
    if (route.kind === 'method-not-allowed') {
      throw new ApiError(405, 'UNIMPLEMENTED', `${req.method} is not allowed here; use ${route.allow.join(' or ')}`, {
        Allow: route.allow.join(', '),
      });
    }
    await requireAppCheck(req, deps);
    const caller = await authenticate(req, route.route, deps);
    if (route.route === 'create' || route.route === 'batchCreate') refuseAnonymousCreate(caller, deps);
    const [status, body] = await ROUTES[route.route](req, caller.uid, route.id ?? '', deps);
    res.status(status).json(body);
  } catch (e) {
    const answer = toApiError(e);
    if (answer) {
      res.status(answer.httpStatus).set(answer.headers).json(answer.body);
      return;
    }
    deps.log.httpInternalError(req.method, req.path, e);
    res.status(500).json({ error: { code: 500, message: 'internal error', status: 'INTERNAL' } });
  }
}
