import type { TaskDefinition } from './task';
import { primesTask } from './primes';
import { sleepTask } from './sleep';
import { TEST_TASKS } from './test-tasks';

/**
 * The task types a deploy serves. Adding a task type is one module in this folder plus one line here.
 * Clients' input types come from this object (see `TaskInputs`).
 */
export const PRODUCTION_TASKS = {
  sleep: sleepTask,
  primes: primesTask,
} as const;

/** The input type of each production task, by task name. */
export type TaskInputs = {
  [Type in keyof typeof PRODUCTION_TASKS]: Parameters<(typeof PRODUCTION_TASKS)[Type]['run']>[0];
};

/** The task types one deployment (or one test) can run. */
export class TaskRegistry {
  private readonly byType: ReadonlyMap<string, TaskDefinition>;

  constructor(tasks: readonly TaskDefinition[]) {
    this.byType = new Map(tasks.map((task) => [task.type, task]));
    if (this.byType.size !== tasks.length) throw new Error('two tasks share a type name');
  }

  get(type: string): TaskDefinition | undefined {
    return this.byType.get(type);
  }

  /** The registered type names, sorted, for error messages. */
  types(): string[] {
    return [...this.byType.keys()].sort();
  }
}

/** The registry for a deployment; test tasks only where `includeTestTasks` (see config.ts). */
export function createTaskRegistry(options: { includeTestTasks: boolean }): TaskRegistry {
  const tasks: TaskDefinition[] = Object.values(PRODUCTION_TASKS);
  return new TaskRegistry(options.includeTestTasks ? [...tasks, ...TEST_TASKS] : tasks);
}
