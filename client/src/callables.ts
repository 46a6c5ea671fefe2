import { httpsCallable, type Functions } from 'firebase/functions';
import type { CancelJobResponse, CreateJobResponse, TaskInput, TaskType } from './types.js';

/**
 * Starts a job: calls the `createJob` callable. The input is typed by the task name. Rejects with the
 * callable's FunctionsError (`functions/invalid-argument`, `functions/resource-exhausted`, ...).
 */
export async function createJob<Type extends TaskType>(
  functions: Functions,
  type: Type,
  input: TaskInput<Type>,
  options: { requestId?: string } = {},
): Promise<CreateJobResponse> {
  const call = httpsCallable<unknown, CreateJobResponse>(functions, 'createJob');
  const request = options.requestId === undefined ? { type, input } : { type, input, requestId: options.requestId };
  return (await call(request)).data;
}

/** Cancels a job of the signed-in user: calls the `cancelJob` callable. */
export async function cancelJob(functions: Functions, id: string): Promise<CancelJobResponse> {
  return (await httpsCallable<unknown, CancelJobResponse>(functions, 'cancelJob')({ id })).data;
}
