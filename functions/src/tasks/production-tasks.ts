import { primesTask } from './primes';
import { reportTask } from './report';
import { sleepTask } from './sleep';

/**
 * The task types this project deploys. Adding a task type is one module in this folder plus one line here; its
 * input and result types go in @async-jobs/app-tasks, which extends the TaskTypes typed clients check calls against.
 */
export const PRODUCTION_TASKS = [sleepTask, primesTask, reportTask] as const;
