/** Real HTTP calls to the `jobs` function on the Functions emulator, as curl or a server would make them. */
import { emulatorHosts } from './emulators';

export interface HttpAnswer<Body = unknown> {
  status: number;
  headers: Headers;
  body: Body;
  text: string;
}

/** The `jobs` function's URL on the emulator. */
export function jobsUrl(): string {
  const { projectId, functions } = emulatorHosts();
  return `http://${functions.host}:${functions.port}/${projectId}/us-central1/jobs`;
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
