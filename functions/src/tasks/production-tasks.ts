import type { TaskDefinition } from '../core/tasks/task';
import { primesTask } from './primes';
import { sleepTask } from './sleep';

/**
 * The task types this project deploys. Adding a task type is one module in this folder plus one line here; its
 * input and result types go in @async-jobs/contract's `TaskTypes`, which typed clients check calls against.
 */
export const PRODUCTION_TASKS: readonly TaskDefinition[] = [sleepTask, primesTask];
