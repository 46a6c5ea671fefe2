/**
 * The task types a deployment serves, each with its input and result: empty here, and extended by each app with
 * its own, by declaration merging, so the typed client (`@async-jobs/client`) checks calls against them:
 *
 *     declare module '@async-jobs/contract' {
 *       interface TaskTypes {
 *         resizeImage: { input: { path: string; width: number }; result: { path: string } };
 *       }
 *     }
 *
 * (`TaskTypesOf<typeof tasks>` of @async-jobs/functions writes the entries from the app's own task definitions.)
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface apps extend by merging
export interface TaskTypes {}

/** One entry of TaskTypes: a task's input and result. */
export interface TaskTypeEntry {
  input: unknown;
  result: unknown;
}

/** The names of the task types an app declared, or any string while it declared none. */
export type TaskType = [keyof TaskTypes] extends [never] ? string : Extract<keyof TaskTypes, string>;

/** The input of a task type, by its name (unknown for a name the app did not declare). */
export type TaskInput<Type extends string> = Type extends keyof TaskTypes
  ? TaskTypes[Type] extends TaskTypeEntry
    ? TaskTypes[Type]['input']
    : unknown
  : unknown;

/** The result of a task type, by its name (unknown for a name the app did not declare). */
export type TaskResult<Type extends string> = Type extends keyof TaskTypes
  ? TaskTypes[Type] extends TaskTypeEntry
    ? TaskTypes[Type]['result']
    : unknown
  : unknown;
