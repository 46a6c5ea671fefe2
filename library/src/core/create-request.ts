import type { CreateJobRequest, CreateJobsRequest } from '@async-jobs/contract';
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
  const type = typeof value;
  // "an object", "an undefined": the batch's `jobs` can be either.
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function schemaError(error: z.ZodError, inputField: string): ValidationError {
  const issue = error.issues[0];
  const field = [inputField, ...(issue?.path ?? []).map(String)].join('.');
  return new ValidationError(field, `${field}: ${issue?.message ?? 'invalid'}`);
}

/** A task request ({ type, input }) checked against the registered task types and their input schemas. */
function parseTaskRequest(
  data: Record<string, unknown>,
  tasks: TaskRegistry,
  limits: CreateJobLimits,
  prefix: string,
): { type: string; input: Record<string, unknown> } {
  const { type, input } = data;
  const typeField = `${prefix}type`;
  const inputField = `${prefix}input`;
  if (type === undefined) throw new ValidationError(typeField, `${typeField} is required`);
  if (typeof type !== 'string')
    throw new ValidationError(typeField, `${typeField} must be a string, not ${describe(type)}`);
  const task = tasks.get(type);
  if (!task) {
    throw new ValidationError(
      typeField,
      `${typeField} "${type}" is not a known task type (known: ${tasks.types().join(', ')})`,
    );
  }
  if (input === undefined) throw new ValidationError(inputField, `${inputField} is required`);
  if (!isPlainObject(input)) {
    throw new ValidationError(inputField, `${inputField} must be an object, not ${describe(input)}`);
  }
  const inputBytes = measureJson(input, inputField);
  if (inputBytes > limits.maxInputBytes) {
    throw new ValidationError(
      inputField,
      `${inputField} is ${inputBytes} bytes of JSON; the limit is ${limits.maxInputBytes}`,
    );
  }
  const parsed = task.input.safeParse(input);
  if (!parsed.success) throw schemaError(parsed.error, inputField);
  return { type, input: parsed.data as Record<string, unknown> };
}

/** A requestId, if given: a UUID (AIP-155). */
function parseRequestId(requestId: unknown): string | undefined {
  if (requestId !== undefined && (typeof requestId !== 'string' || !UUID.test(requestId))) {
    throw new ValidationError('requestId', 'requestId must be a UUID string, such as crypto.randomUUID() makes');
  }
  return requestId;
}

/** The longest `delaySeconds` a create may ask for: 30 days, one Cloud Tasks timer. */
export const MAX_DELAY_SECONDS = 30 * 24 * 60 * 60;

/** A delaySeconds, if given: a number of seconds above 0 and at most MAX_DELAY_SECONDS. */
function parseDelaySeconds(delay: unknown): number | undefined {
  if (delay === undefined) return undefined;
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay <= 0 || delay > MAX_DELAY_SECONDS) {
    throw new ValidationError(
      'delaySeconds',
      `delaySeconds must be a number of seconds above 0 and at most ${MAX_DELAY_SECONDS} (30 days)`,
    );
  }
  return delay;
}

/**
 * Checks a `createJob` request ({ type, input, requestId?, delaySeconds? }): its shape (depth, keys), then the registered task
 * types and their input schemas. Throws a ValidationError naming the first problem; returns the request with the
 * input as the schema parsed it.
 */
export function parseCreateJobRequest(data: unknown, tasks: TaskRegistry, limits: CreateJobLimits): CreateJobRequest {
  if (!isPlainObject(data)) {
    throw new ValidationError('', `the request must be an object { type, input, requestId? }, not ${describe(data)}`);
  }
  // First, and without recursion: nothing below (the schema, the size, Firestore) may see a request nested too
  // deep or carrying a `__proto__` key.
  measureJson(data, '');
  const { type, input } = parseTaskRequest(data, tasks, limits, '');
  const requestId = parseRequestId(data.requestId);
  const delaySeconds = parseDelaySeconds(data.delaySeconds);
  return {
    type,
    input,
    ...(requestId === undefined ? {} : { requestId }),
    ...(delaySeconds === undefined ? {} : { delaySeconds }),
  };
}

/** The most jobs one `createJobs` call creates. */
export const MAX_BATCH_JOBS = 500;

/**
 * Checks a `createJobs` request ({ jobs: [{ type, input }, …], requestId? }): 1 to MAX_BATCH_JOBS jobs, each checked
 * as a single create's (a field is named `jobs.3.input.width`). Throws a ValidationError naming the first problem.
 */
export function parseCreateJobsRequest(data: unknown, tasks: TaskRegistry, limits: CreateJobLimits): CreateJobsRequest {
  if (!isPlainObject(data)) {
    throw new ValidationError('', `the request must be an object { jobs, requestId? }, not ${describe(data)}`);
  }
  measureJson(data, '');
  const { jobs } = data;
  if (!Array.isArray(jobs))
    throw new ValidationError('jobs', `jobs must be an array of { type, input }, not ${describe(jobs)}`);
  if (jobs.length === 0 || jobs.length > MAX_BATCH_JOBS) {
    throw new ValidationError('jobs', `jobs must hold 1 to ${MAX_BATCH_JOBS} jobs, not ${jobs.length}`);
  }
  const parsed = jobs.map((job: unknown, index) => {
    if (!isPlainObject(job)) {
      throw new ValidationError(
        `jobs.${index}`,
        `jobs.${index} must be an object { type, input }, not ${describe(job)}`,
      );
    }
    return parseTaskRequest(job, tasks, limits, `jobs.${index}.`);
  });
  const requestId = parseRequestId(data.requestId);
  return { jobs: parsed, ...(requestId === undefined ? {} : { requestId }) };
}
