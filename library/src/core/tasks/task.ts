import type { z } from 'zod';
import type { RetryPolicy } from '../retry-policy';

/** What a handler gets besides its input. */
export interface TaskContext {
  /** The job's document id. */
  jobId: string;
  /** 1 on the first claim; more on a retry. */
  attempt: number;
  /**
   * The same on every run of this job (it is the job's id). A handler runs at least once: it can run to the end
   * twice (its worker died between returning and recording the result, or its lease lapsed while it was slow),
   * so a side effect that must happen once per job (a charge, an email) passes this key to its service.
   */
  idempotencyKey: string;
  /** `<jobId>:<attempt>`: one key per attempt, for a side effect a retry should repeat but a duplicate must not. */
  attemptIdempotencyKey: string;
  /**
   * Aborted when the owner cancels the job or the task's time limit passes. A handler checks it between steps
   * (or passes it to what it awaits) and stops; `signal.reason` says why.
   */
  signal: AbortSignal;
  /**
   * Reports progress (0–100) and an optional message on the job document. Cheap to call often: writes of the job
   * are throttled to one every 2 s at most, the claim that started the attempt counted (so the first report is
   * stored 2 s into the attempt at the earliest), and the last value is always stored, at the latest by the write
   * that ends the attempt (a report made just before the handler returns is stored by that write alone).
   */
  progress: (percent: number, message?: string) => void;
  /**
   * Runs `body` as the step `name` and stores what it returns (`jobs/{id}/steps/{name}`; the owner sees the steps
   * done, and the one running, on the job). On a later attempt of the job (after a crash, a lost lease, a retry) a
   * step done returns its stored result and does not run again. Code outside steps runs again on every attempt, so
   * a side effect that must happen once goes in a step. Each name is used once per job (a step in a loop takes the
   * index into its name: `page-${n}`); names are 1 to 100 letters, digits and `_ . : -`. A result must be a JSON
   * value of at most 512 KiB; one that is not fails the job with `invalid-argument` naming the step. A step costs
   * one commit of two writes (its result, the job's `steps`), and one more write when it runs over a second (the job
   * shows it as `currentStep`): steps are for work of seconds or more, and a loop of tiny ones belongs in one step.
   */
  step: <T>(name: string, body: () => Promise<T>) => Promise<T>;
  /**
   * Sleeps `ms` from when the job first reaches this line, holding no instance and no slot: the job is suspended
   * (RUNNING, `waitReason: sleep`, due at `dispatchTime`), its slot goes to the next job, and a timer wakes it; it
   * then waits its owner's turn for a slot and replays the handler, whose steps done return their results and whose
   * sleep done returns at once. So code after a sleep runs in a new invocation, and code outside steps runs again
   * (as after a crash). A sleep is named like a step, and the name is used once per job. A sleep that would end past
   * the task's `totalTimeoutSeconds` fails the job `deadline-exceeded`. It costs one commit (the job, the sleep's
   * record, and the slot's hand-off), one timer, and the steps of going on (a queue entry, a dispatch, a claim).
   */
  sleep: (name: string, ms: number) => Promise<void>;
  /** `sleep`, until a time (epoch ms); a time already past returns at once. */
  sleepUntil: (name: string, time: number) => Promise<void>;
  /**
   * Waits for the signal `name` (one the task declares in `signals`), holding no instance and no slot: the job is
   * suspended (RUNNING, `waitReason: signal`, `currentStep` the signal's name) until its owner, or a server with the
   * Admin SDK, sends it with `signalJob({ id, name, payload })` (the callable or `POST /jobs/{id}:signal`), or until
   * `timeoutSeconds` pass (by default, until the job's own time limit). Resolves with `{ received: true, payload }`
   * (the payload as the task's schema parsed it) or `{ received: false }` on a timeout. Recorded like a step (its
   * name is used once per job), so every replay gets the same answer. This is how a job waits for a person's approval.
   */
  waitForSignal: <Payload = unknown>(
    name: string,
    options?: { timeoutSeconds?: number },
  ) => Promise<SignalOutcome<Payload>>;
}

/** How a wait for a signal ended (TaskContext.waitForSignal). */
export type SignalOutcome<Payload = unknown> = { received: true; payload: Payload } | { received: false };

/**
 * A task type: a name, a schema for its input, and the handler that does the work. The handler's resolved value
 * becomes the job's `result` (it must be a value Firestore can store; with a `result` schema, it must match it). A
 * thrown `TaskError` ends the job FAILED with its code and message unless it says it is transient; anything else
 * thrown is transient and is retried, and reaches the owner as `internal` with a log id, its message logged only.
 */
export interface TaskDefinition<Type extends string = string, Input extends z.ZodType = z.ZodType, Result = unknown> {
  /** The task's name, as clients ask for it (`createJob({ type })`); unique in a deployment. */
  readonly type: Type;
  /** The input's zod schema: createJob checks each request's input with it (`invalid-argument` naming the field). */
  readonly input: Input;
  /** The result's schema: the worker checks what the handler returns against it before storing it. */
  readonly result?: z.ZodType<Result>;
  /**
   * The handler's time limit in one invocation, at most MAX_TASK_TIMEOUT_SECONDS (450); past it the signal aborts and
   * the job ends `deadline-exceeded`. A task with a `totalTimeoutSeconds` beyond it goes on in a new invocation,
   * between steps, before this runs out; a step that runs past it is retried, keeping the steps done.
   */
  readonly timeoutSeconds?: number;
  /**
   * The job's time limit over all its invocations (continuations and sleeps included, counted from its attempt's
   * start), up to a year; `timeoutSeconds` where not given. Past it the job ends `deadline-exceeded`. When it is
   * longer than `timeoutSeconds`, a step that would not fit in what is left of an invocation (`stepTimeoutSeconds`)
   * is not started: the job is suspended there and goes on in a new invocation, at its owner's next turn.
   */
  readonly totalTimeoutSeconds?: number;
  /**
   * The longest one step of the task takes (a quarter of `timeoutSeconds` where not given, DEFAULT_STEP_SHARE): a
   * step starts in an invocation only when at least this is left of it, and one that runs past its invocation anyway
   * is retried, keeping the steps done. A step must fit one invocation, so `defineTask` refuses a value above
   * `timeoutSeconds`.
   */
  readonly stepTimeoutSeconds?: number;
  /** How transient failures are retried; DEFAULT_RETRY_POLICY where not given. */
  readonly retry?: Partial<RetryPolicy>;
  /** The worker pool that runs the task (its own worker function and slots); DEFAULT_POOL where not given. */
  readonly pool?: string;
  /**
   * The signals its handler waits for (`waitForSignal`), by name, each with the schema of its payload: `signalJob`
   * refuses a payload the schema refuses (`invalid-argument`, naming the field), and a name not here.
   */
  readonly signals?: Readonly<Record<string, z.ZodType>>;
  /**
   * Whether every message the handler throws reaches the job's owner, as a `TaskError`'s does. Off where not given:
   * an error from a library or a service can name hosts, keys or another user's data, so only `TaskError` messages
   * are shown and the rest are logged under the `logId` the job carries. Set it for a task whose errors are safe to
   * show (an internal tool's, one whose handler only throws its own).
   */
  readonly publicErrorMessages?: boolean;
  run(input: z.infer<Input>, context: TaskContext): Promise<Result>;
}

/** TaskContext.attemptIdempotencyKey of a job's attempt. */
export function attemptIdempotencyKey(jobId: string, attempt: number): string {
  return `${jobId}:${attempt}`;
}

/** The worker pool of a task that names none. */
export const DEFAULT_POOL = 'standard';

/** Default TaskDefinition.timeoutSeconds. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 60;

/**
 * The longest TaskDefinition.timeoutSeconds: a retry's backoff waited out, the handler's run and its abort grace,
 * and the end's write fit the worker function's own 540 s timeout.
 */
export const MAX_TASK_TIMEOUT_SECONDS = 450;

/**
 * Default TaskDefinition.stepTimeoutSeconds, as a share of the task's `timeoutSeconds`: an invocation starts steps
 * for its first three quarters. A step that runs past its invocation anyway is retried, keeping the steps done.
 */
export const DEFAULT_STEP_SHARE = 0.25;

/** The longest TaskDefinition.totalTimeoutSeconds: a year. */
export const MAX_TOTAL_TIMEOUT_SECONDS = 365 * 24 * 60 * 60;

/** A task's time limits in ms: one invocation's, the job's in all, and the longest step's. */
export function taskTimeLimits(task: TaskDefinition): { invocationMs: number; totalMs: number; stepMs: number } {
  const invocation = task.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS;
  const total = Math.max(task.totalTimeoutSeconds ?? invocation, invocation);
  const step = Math.min(task.stepTimeoutSeconds ?? invocation * DEFAULT_STEP_SHARE, invocation);
  return { invocationMs: invocation * 1000, totalMs: total * 1000, stepMs: step * 1000 };
}

/** Why a task's time limits cannot work, or undefined when they can. */
export function timeLimitsProblem(task: TaskDefinition): string | undefined {
  const invocation = task.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS;
  const { totalTimeoutSeconds: total, stepTimeoutSeconds: step } = task;
  if (!(invocation > 0 && invocation <= MAX_TASK_TIMEOUT_SECONDS)) {
    return `timeoutSeconds must be above 0 and at most ${MAX_TASK_TIMEOUT_SECONDS}, so a run fits the worker's own timeout, not ${invocation}`;
  }
  if (total !== undefined && !(total >= invocation && total <= MAX_TOTAL_TIMEOUT_SECONDS)) {
    return `totalTimeoutSeconds must be from timeoutSeconds (${invocation}) to ${MAX_TOTAL_TIMEOUT_SECONDS} (a year), not ${total}`;
  }
  if (step !== undefined && !(step > 0 && step <= invocation)) {
    return `stepTimeoutSeconds must be above 0 and at most timeoutSeconds (${invocation}): a step must fit one invocation, not ${step}`;
  }
  return undefined;
}

/**
 * `Result` where every part of it is a value a job's document stores and its owner reads back as it was: strings,
 * numbers, booleans, null, and arrays and plain objects of them. A part that is not (a Date, a bigint, a function, a
 * symbol, undefined where a value is required, a Map, a Set, a class instance's methods) becomes `never`, so a
 * handler that returns one fails to compile in `defineTask` instead of failing its job at run time. `unknown` passes:
 * the worker still checks the value it stores.
 */
export type StorableResult<Result> = unknown extends Result
  ? Result
  : Result extends string | number | boolean | null
    ? Result
    : Result extends bigint | symbol | undefined | Date | ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>
      ? never
      : Result extends (...args: never[]) => unknown
        ? never
        : Result extends readonly (infer Item)[]
          ? readonly StorableResult<Item>[]
          : { [Key in keyof Result]: StorableResult<Result[Key]> };

/**
 * Declares a task type, with its name kept as a literal type and its input and result types inferred from its
 * schemas and handler, so `TaskTypesOf` can give typed clients the app's own tasks. The handler's result must be
 * storable (`StorableResult`). Throws when its time limits cannot work (an invocation's over
 * MAX_TASK_TIMEOUT_SECONDS, a step longer than an invocation, a total shorter than one).
 */
export function defineTask<const Type extends string, Input extends z.ZodType, Result>(
  definition: TaskDefinition<Type, Input, Result> & {
    run(input: z.infer<Input>, context: TaskContext): Promise<StorableResult<Result>>;
  },
): TaskDefinition<Type, Input, Result> {
  const problem = timeLimitsProblem(definition);
  if (problem) throw new Error(`task "${definition.type}": ${problem}`);
  return definition;
}

/**
 * The task types of a list of definitions, as @async-jobs/contract's `TaskTypes` takes them: each name with its
 * input and result. An app merges it into `TaskTypes` so its typed client checks calls against its own tasks:
 *
 *     declare module '@async-jobs/contract' {
 *       interface TaskTypes extends TaskTypesOf<typeof tasks> {}
 *     }
 */
export type TaskTypesOf<Tasks extends readonly TaskDefinition[]> = {
  [Task in Tasks[number] as Task['type']]: {
    input: z.input<Task['input']>;
    result: Awaited<ReturnType<Task['run']>>;
  };
};
