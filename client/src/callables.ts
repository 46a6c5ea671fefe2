import { httpsCallable, type Functions } from 'firebase/functions';
import type {
  CancelJobResponse,
  CreateJobResponse,
  CreateJobsResponse,
  SignalJobRequest,
  SignalJobResponse,
  TaskInput,
  TaskType,
} from './types.js';

/**
 * Starts a job: calls the `createJob` callable. The input is typed by the task name; `delaySeconds` (up to 30 days)
 * makes it start later. Rejects with the callable's FunctionsError (`functions/invalid-argument`,
 * `functions/resource-exhausted`, ...).
 */
export async function createJob<Type extends TaskType>(
  functions: Functions,
  type: Type,
  input: TaskInput<Type>,
  options: { requestId?: string; delaySeconds?: number } = {},
): Promise<CreateJobResponse> {
  const call = httpsCallable<unknown, CreateJobResponse>(functions, 'createJob');
  const request = {
    type,
    input,
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
    ...(options.delaySeconds === undefined ? {} : { delaySeconds: options.delaySeconds }),
  };
  return (await call(request)).data;
}

/**
 * One job of a `createJobs` batch: a task name and its input, typed by that name (a union over the task types, so
 * each item of a batch may be of another type).
 */
export type JobRequest<Type extends TaskType = TaskType> = {
  [T in Type]: { type: T; input: TaskInput<T> };
}[Type];

/**
 * Starts up to 500 jobs in one call: calls the `createJobs` callable, which admits the whole batch at once (all of it
 * or none) and answers each job's `{ id, type, state }` in the order asked. Each input is typed by its task name.
 * With `requestId` (a UUID) a repeat of the call finds the jobs the first one made. Rejects with the callable's
 * FunctionsError; a bad item's `details.field` names it (`jobs.2.input.worktime`).
 */
export async function createJobs(
  functions: Functions,
  jobs: readonly JobRequest[],
  requestId?: string,
): Promise<CreateJobsResponse> {
  const call = httpsCallable<unknown, CreateJobsResponse>(functions, 'createJobs');
  const request = requestId === undefined ? { jobs } : { jobs, requestId };
  return (await call(request)).data;
}

/**
 * Sends the signal `name` to a job of the signed-in user that waits for it (`waitForSignal` in its handler), with a
 * payload the task's schema for that signal checks: calls the `signalJob` callable. `failed-precondition` when the
 * job does not wait for that signal now.
 */
export async function signalJob(
  functions: Functions,
  id: string,
  name: string,
  payload?: unknown,
): Promise<SignalJobResponse> {
  const request: SignalJobRequest = payload === undefined ? { id, name } : { id, name, payload };
  return (await httpsCallable<SignalJobRequest, SignalJobResponse>(functions, 'signalJob')(request)).data;
}

/** Cancels a job of the signed-in user: calls the `cancelJob` callable. */
export async function cancelJob(functions: Functions, id: string): Promise<CancelJobResponse> {
  return (await httpsCallable<unknown, CancelJobResponse>(functions, 'cancelJob')({ id })).data;
}
