/**
 * The HTTP API's routes, AIP-151 style, relative to the function's URL:
 *
 *   POST   /              create a job          GET /             list the caller's jobs
 *   POST   /:batchCreate  create up to 500 jobs
 *   GET    /{id}          get a job             DELETE /{id}      delete a done job
 *   POST   /{id}:cancel   cancel                GET /{id}:wait    wait until done or a timeout
 *   POST   /{id}:signal   send a signal the job waits for ({ name, payload })
 *
 * Routes with AIP's `:verb` suffixes are clearer as a table than as a router's path patterns (where `:`
 * starts a parameter), so matching is this one pure function.
 */
export type RouteName = 'create' | 'batchCreate' | 'list' | 'get' | 'delete' | 'cancel' | 'wait' | 'signal';

export type RouteMatch =
  | { kind: 'route'; route: RouteName; id?: string }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: string[] };

// Maps, not object literals: a lookup of "constructor" or "toString" must find nothing.
const COLLECTION = new Map<string, RouteName>([
  ['POST', 'create'],
  ['GET', 'list'],
]);
const RESOURCE = new Map<string, RouteName>([
  ['GET', 'get'],
  ['DELETE', 'delete'],
]);
const VERBS = new Map<string, { method: string; route: RouteName }>([
  ['cancel', { method: 'POST', route: 'cancel' }],
  ['wait', { method: 'GET', route: 'wait' }],
  ['signal', { method: 'POST', route: 'signal' }],
]);

function match(table: ReadonlyMap<string, RouteName>, method: string, id?: string): RouteMatch {
  const route = table.get(method);
  if (route) return id === undefined ? { kind: 'route', route } : { kind: 'route', route, id };
  return { kind: 'method-not-allowed', allow: [...table.keys()] };
}

/** Finds the route for a method and a path (the part after the function's name, with or without a slash). */
export function matchRoute(method: string, path: string): RouteMatch {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return match(COLLECTION, method);
  // The collection's own custom method (AIP-136): `POST /:batchCreate`.
  if (trimmed === ':batchCreate') {
    return method === 'POST'
      ? { kind: 'route', route: 'batchCreate' }
      : { kind: 'method-not-allowed', allow: ['POST'] };
  }
  // Any segment is taken as an id: one that cannot name a job is answered by the route as a missing job.
  const resource = /^([^/:]+)(?::([a-z]+))?$/.exec(trimmed);
  if (!resource?.[1]) return { kind: 'not-found' };
  const [, id, verb] = resource;
  if (verb === undefined) return match(RESOURCE, method, id);
  const custom = VERBS.get(verb);
  if (!custom) return { kind: 'not-found' };
  return method === custom.method
    ? { kind: 'route', route: custom.route, id }
    : { kind: 'method-not-allowed', allow: [custom.method] };
}
