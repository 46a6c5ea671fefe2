/** Real HTTP calls to the `jobs` function on the Functions emulator, as curl or a server would make them. */
import { emulatorHosts } from './emulators';

export interface HttpAnswer<Body = unknown> {
  status: number;
  headers: Headers;
  body: Body;
  text: string;
}

/** A function's URL on the emulator. */
export function functionUrl(name: string): string {
  const { projectId, functions } = emulatorHosts();
  return `http://${functions.host}:${functions.port}/${projectId}/us-central1/${name}`;
}

/** The `jobs` function's URL on the emulator. */
export function jobsUrl(): string {
  return functionUrl('jobs');
}

/** A callable's error body (the callable protocol's `{ "error": ... }`). */
export interface CallableErrorBody {
  error: { status: string; message: string; details?: unknown };
}

/**
 * Calls a callable the way its protocol says, `POST {"data": <dataJson>}` with a bearer token, with `dataJson`
 * sent as written: for requests the Firebase client SDK cannot send (it drops a `__proto__` key and recurses
 * over the data itself).
 */
export async function callCallableRaw(name: string, token: string, dataJson: string): Promise<HttpAnswer> {
  const response = await fetch(functionUrl(name), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: `{"data":${dataJson}}`,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as unknown, text };
}

/**
 * Sends a request to `jobsUrl() + path`. `json` is sent as a JSON body; `body` is sent as is (with `headers`
 * saying what it is). The answer's body is parsed as JSON when it is JSON.
 */
export async function callJobsApi<Body = unknown>(
  method: string,
  path: string,
  options: { token?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer<Body>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(`${jobsUrl()}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  if (response.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as Body, text };
}
