/**
 * matchRoute is the HTTP API's whole router: AIP-151 paths with `:verb` suffixes, relative to the function's
 * URL. Every path it does not know must be a 404 (not a 405 and never a route), and a known path with the
 * wrong method a 405 whose `allow` lists exactly the methods that path answers, for the `Allow` header.
 */
import assert from 'node:assert/strict';
import { matchRoute, type RouteMatch } from '../../library/src/entry/http/routes';

const ID = 'Abc123_-xyz';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

interface PathCase {
  name: string;
  path: string;
  /** The route for each method that has one; every other method is a 405 with `allow`. */
  routes: Record<string, RouteMatch>;
  allow: string[];
}

const PATHS: readonly PathCase[] = [
  {
    name: 'the collection',
    path: '/',
    routes: { POST: { kind: 'route', route: 'create' }, GET: { kind: 'route', route: 'list' } },
    allow: ['POST', 'GET'],
  },
  {
    name: 'the collection :batchCreate (AIP-136, a custom method of the collection)',
    path: '/:batchCreate',
    routes: { POST: { kind: 'route', route: 'batchCreate' } },
    allow: ['POST'],
  },
  {
    name: 'a job',
    path: `/${ID}`,
    routes: { GET: { kind: 'route', route: 'get', id: ID }, DELETE: { kind: 'route', route: 'delete', id: ID } },
    allow: ['GET', 'DELETE'],
  },
  {
    name: 'a job :cancel',
    path: `/${ID}:cancel`,
    routes: { POST: { kind: 'route', route: 'cancel', id: ID } },
    allow: ['POST'],
  },
  {
    name: 'a job :wait',
    path: `/${ID}:wait`,
    routes: { GET: { kind: 'route', route: 'wait', id: ID } },
    allow: ['GET'],
  },
];

describe('matchRoute', () => {
  for (const path of PATHS) {
    describe(`${path.name} (${path.path})`, () => {
      for (const method of METHODS) {
        const expected = path.routes[method] ?? { kind: 'method-not-allowed', allow: path.allow };
        it(`${method} → ${expected.kind === 'route' ? expected.route : `405, allow ${path.allow.join(', ')}`}`, () => {
          assert.deepEqual(matchRoute(method, path.path), expected);
        });
      }
    });
  }

  it('has no id on the collection routes (not even an undefined key)', () => {
    for (const [method, path] of [
      ['POST', '/'],
      ['GET', '/'],
      ['POST', '/:batchCreate'],
    ] as const) {
      const match = matchRoute(method, path);
      assert.equal(match.kind, 'route');
      assert.equal(Object.hasOwn(match, 'id'), false);
    }
  });

  describe(':batchCreate', () => {
    const CASES: ReadonlyArray<readonly [string, string, RouteMatch]> = [
      ['without a leading slash', ':batchCreate', { kind: 'route', route: 'batchCreate' }],
      ['with a trailing slash', '/:batchCreate/', { kind: 'route', route: 'batchCreate' }],
      ['in the wrong case, an unknown verb on the collection', '/:batchcreate', { kind: 'not-found' }],
      ['on a job, where it is no verb', `/${ID}:batchCreate`, { kind: 'not-found' }],
      ['with a sub-path', '/:batchCreate/x', { kind: 'not-found' }],
      ['twice', '/:batchCreate:batchCreate', { kind: 'not-found' }],
    ];
    for (const [name, path, expected] of CASES) {
      it(`POST ${name} (${JSON.stringify(path)}) → ${expected.kind === 'route' ? expected.route : expected.kind}`, () => {
        assert.deepEqual(matchRoute('POST', path), expected);
      });
    }

    it('returns a fresh allow list each time', () => {
      const first = matchRoute('GET', '/:batchCreate');
      assert.equal(first.kind, 'method-not-allowed');
      first.allow.push('GET');
      assert.deepEqual(matchRoute('GET', '/:batchCreate'), { kind: 'method-not-allowed', allow: ['POST'] });
    });
  });

  describe('slashes', () => {
    const CASES: ReadonlyArray<readonly [string, string, RouteMatch]> = [
      ['the empty path', '', { kind: 'route', route: 'list' }],
      ['a double slash', '//', { kind: 'route', route: 'list' }],
      ['an id without a leading slash', ID, { kind: 'route', route: 'get', id: ID }],
      ['an id with a trailing slash', `/${ID}/`, { kind: 'route', route: 'get', id: ID }],
      ['an id with several leading and trailing slashes', `///${ID}//`, { kind: 'route', route: 'get', id: ID }],
      ['a verb without a leading slash', `${ID}:wait`, { kind: 'route', route: 'wait', id: ID }],
      ['a verb with a trailing slash', `/${ID}:wait/`, { kind: 'route', route: 'wait', id: ID }],
    ];
    for (const [name, path, expected] of CASES) {
      it(`accepts ${name} (${JSON.stringify(path)})`, () => {
        assert.deepEqual(matchRoute('GET', path), expected);
      });
    }
  });

  describe('ids', () => {
    const GOOD = [
      'a',
      '7',
      '-',
      '_',
      'ABCxyz',
      'a-b_c-1',
      '__proto__',
      'constructor',
      'x'.repeat(128),
      // A Firestore auto-id: 20 characters of [A-Za-z0-9].
      'b3Kq9ZfW0pLmN2xRtY7u',
    ];
    for (const id of GOOD) {
      it(`accepts the id ${JSON.stringify(id.length > 30 ? `${id.slice(0, 10)}… (${id.length} chars)` : id)}`, () => {
        assert.deepEqual(matchRoute('GET', `/${id}`), { kind: 'route', route: 'get', id });
        assert.deepEqual(matchRoute('DELETE', `/${id}`), { kind: 'route', route: 'delete', id });
        assert.deepEqual(matchRoute('POST', `/${id}:cancel`), { kind: 'route', route: 'cancel', id });
        assert.deepEqual(matchRoute('GET', `/${id}:wait`), { kind: 'route', route: 'wait', id });
      });
    }
  });

  describe('any other segment is an id, which the route answers as a missing job when no job has it', () => {
    const OTHER_IDS = ['a b', 'a%20b', 'a%2Fb', 'a.b', '..', '__x__', 'x'.repeat(129), 'x'.repeat(1501), 'jöb'];
    for (const id of OTHER_IDS) {
      it(`routes ${JSON.stringify(id.length > 30 ? `${id.slice(0, 10)}… (${id.length} chars)` : id)} with its id`, () => {
        assert.deepEqual(matchRoute('GET', `/${id}`), { kind: 'route', route: 'get', id });
        assert.deepEqual(matchRoute('POST', `/${id}:cancel`), { kind: 'route', route: 'cancel', id });
      });
    }
  });

  describe('not found', () => {
    const NOT_FOUND: ReadonlyArray<readonly [string, string]> = [
      ['an id with a slash', '/a/b'],
      ['jobs/{id} (the resource name, not the path)', `/jobs/${ID}`],
      ['a path with an empty segment', '/a//b'],
      ['an unknown verb', `/${ID}:delete`],
      ['an unknown verb that is a key of every object', `/${ID}:constructor`],
      ['a verb in the wrong case', `/${ID}:Cancel`],
      ['an empty verb', `/${ID}:`],
      ['two verbs', `/${ID}:cancel:wait`],
      ['a verb with no id', '/:cancel'],
      ['a verb on the collection', '/:wait'],
      ['a verb after a slash', `/${ID}/:wait`],
      ['a sub-path after a verb', `/${ID}:wait/x`],
      ['a verb with a digit', `/${ID}:wait2`],
    ];
    for (const [name, path] of NOT_FOUND) {
      it(`${name} (${path.length > 40 ? `${path.slice(0, 20)}…` : path}), for every method`, () => {
        for (const method of METHODS) {
          assert.deepEqual(matchRoute(method, path), { kind: 'not-found' }, `${method} ${path}`);
        }
      });
    }
  });

  it('matches methods case-sensitively, as Node reports them (upper case)', () => {
    assert.deepEqual(matchRoute('get', '/'), { kind: 'method-not-allowed', allow: ['POST', 'GET'] });
    assert.deepEqual(matchRoute('post', `/${ID}:cancel`), { kind: 'method-not-allowed', allow: ['POST'] });
  });

  it('returns a fresh allow list each time, so a caller changing one cannot change the next', () => {
    const first = matchRoute('PUT', '/');
    assert.equal(first.kind, 'method-not-allowed');
    first.allow.push('PUT');
    assert.deepEqual(matchRoute('PUT', '/'), { kind: 'method-not-allowed', allow: ['POST', 'GET'] });
  });
});
