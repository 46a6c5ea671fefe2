import { createHash } from 'node:crypto';

/**
 * AIP-155 idempotency: a job created with a requestId gets a document id derived from (owner, requestId), so
 * a repeated request finds the job it made instead of making another, and two users' ids never collide.
 * The id looks as random as an auto-id (20 characters of base62-like text) and cannot be guessed without
 * the owner's uid and requestId.
 */
export function jobIdForRequest(owner: string, requestId: string): string {
  return createHash('sha256')
    .update(`${owner}\u0000${requestId.toLowerCase()}`)
    .digest('base64url')
    .replace(/[-_]/g, '')
    .slice(0, 20);
}

/** A canonical JSON form (object keys sorted), so equal requests compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Whether a stored job was made by the same request (same type and input). */
export function isSameRequest(
  stored: { type: string; input: Record<string, unknown> },
  request: { type: string; input: Record<string, unknown> },
): boolean {
  return stored.type === request.type && canonicalJson(stored.input) === canonicalJson(request.input);
}
