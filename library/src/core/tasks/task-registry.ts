import { DEFAULT_POOL, timeLimitsProblem, type TaskDefinition } from './task';

/** The task types one deployment (or one test) can run, by type name. */
export class TaskRegistry {
  private readonly byType: ReadonlyMap<string, TaskDefinition>;

  constructor(tasks: readonly TaskDefinition[]) {
    this.byType = new Map(tasks.map((task) => [task.type, task]));
    if (this.byType.size !== tasks.length) throw new Error('two tasks share a type name');
    for (const task of tasks) {
      const problem = timeLimitsProblem(task);
      if (problem) throw new Error(`task "${task.type}": ${problem}`);
    }
  }

  get(type: string): TaskDefinition | undefined {
    return this.byType.get(type);
  }

  /** The registered type names, sorted, for error messages. */
  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  /** The pool that runs `type` (DEFAULT_POOL for a task that names none, or a type not served here). */
  poolOf(type: string): string {
    return this.byType.get(type)?.pool ?? DEFAULT_POOL;
  }

  /** Every pool a task runs in, sorted. */
  pools(): string[] {
    return [...new Set([...this.byType.values()].map((task) => task.pool ?? DEFAULT_POOL))].sort();
  }
}
