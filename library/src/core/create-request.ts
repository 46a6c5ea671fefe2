import type { CreateJobRequest } from '@async-jobs/contract';
import type { z } from 'zod';
import { ValidationError } from './errors';
import { measureJson } from './json-shape';
import type { TaskRegistry } from './tasks/task-registry';

export interface CreateJobLimits {
  /** The largest input accepted, in bytes of its JSON. */
  maxInputBytes: number;
}

/** Default for CreateJobLimits.maxInputBytes: 10 KiB of JSON, far below Firestore's 1 MiB document limit. */
export const DEFAULT_MAX_INPUT_BYTES = 10 * 1024;

// AIP-155 request ids are UUIDs; any version, case-insensitive.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function schemaError(error: z.ZodError): ValidationError {
  const issue = error.issues[0];
  const field = ['input', ...(issue?.path ?? []).map(String)].join('.');
  return new ValidationError(field, `${field}: ${issue?.message ?? 'invalid'}`);
}

/**
 * Checks a `createJob` request ({ type, input, requestId? }): its shape (depth, keys), then the registered task
 * types and their input schemas. Throws a ValidationError naming the first problem; returns the request with the input as
 * the schema parsed it.
 */
export function parseCreateJobRequest(data: unknown, tasks: TaskRegistry, limits: CreateJobLimits): CreateJobRequest {
  if (!isPlainObject(data)) {
    throw new ValidationError('', `the request must be an object { type, input, requestId? }, not ${describe(data)}`);
  }
  // First, and without recursion: nothing below (the schema, the size, Firestore) may see a request nested too
  // deep or carrying a `__proto__` key.
  measureJson(data, '');
  const { type, input, requestId } = data;
  if (type === undefined) throw new ValidationError('type', 'type is required');
  if (typeof type !== 'string') throw new ValidationError('type', `type must be a string, not ${describe(type)}`);
  const task = tasks.get(type);
  if (!task) {
    throw new ValidationError('type', `type "${type}" is not a known task type (known: ${tasks.types().join(', ')})`);
  }
  if (input === undefined) throw new ValidationError('input', 'input is required');
  if (!isPlainObject(input)) throw new ValidationError('input', `input must be an object, not ${describe(input)}`);
  const inputBytes = measureJson(input, 'input');
  if (inputBytes > limits.maxInputBytes) {
    throw new ValidationError('input', `input is ${inputBytes} bytes of JSON; the limit is ${limits.maxInputBytes}`);
  }
  if (requestId !== undefined && (typeof requestId !== 'string' || !UUID.test(requestId))) {
    throw new ValidationError('requestId', 'requestId must be a UUID string, such as crypto.randomUUID() makes');
  }
  const parsed = task.input.safeParse(input);
  if (!parsed.success) throw schemaError(parsed.error);
  return {
    type,
    input: parsed.data as Record<string, unknown>,
    ...(requestId === undefined ? {} : { requestId }),
  };
}
