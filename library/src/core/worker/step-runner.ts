import { ValidationError } from '../errors';
import type { Clock } from '../ports/clock';
import { measureJson } from '../json-shape';
import { isTransientStoreError, StoreError } from '../ports/document-store';
import type { AttemptWrite } from '../protocol/attempt';
import type { Suspension } from '../protocol/attempt-writes';
import type { SignalOutcome } from '../tasks/task';
import { TaskError } from '../tasks/task-error';

/**
 * The most bytes a step's result may take, as JSON: its document holds little else, and Firestore's limit for one
 * is 1 MiB. A larger result belongs in Cloud Storage, with its path as the step's result.
 */
export const MAX_STEP_RESULT_BYTES = 512 * 1024;

/**
 * How long a step runs before the job shows it as `currentStep`: a step shorter than this costs two writes (its
 * result's document and the job's `steps`, in one commit), a longer one a third.
 */
export const STEP_SHOWN_AFTER_MS = 1_000;

/**
 * A step's name: its document's id, so letters, digits and `_ . : -`, starting with a letter or digit, at most 100
 * characters (no `/`, and none of Firestore's reserved ids `.`, `..` or `__…__`).
 */
const STEP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** The longest a sleep may be: a year (a job's own time limit is usually what bounds it). */
export const MAX_SLEEP_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * Thrown out of `step` and `sleep` once the attempt is to be suspended (a sleep, or the invocation low on time
 * before a step): the handler stops there, and the worker suspends the job to go on in another invocation. A
 * handler that catches it stops anyway: the worker suspends the job however the handler ends.
 */
export class JobSuspended extends Error {
  constructor() {
    super('the job is suspended here and goes on in another invocation');
    this.name = 'JobSuspended';
  }
}

/** When a step may start in this invocation, and how long the job may run in all. */
export interface StepBudget {
  /** True when less than the task's longest step is left of this invocation: the job goes on in a new one. */
  continueBeforeStep(): boolean;
  /** When the job's own time limit passes (epoch ms): a sleep may not end after it. */
  jobDeadline: number;
}

/** A step an earlier attempt did. */
export interface DoneStep {
  name: string;
  result: unknown;
}

/** How a step's start and end are recorded on the job (in turn with the attempt's heartbeats). */
export interface StepRecorder {
  started(name: string): Promise<AttemptWrite | undefined>;
  /**
   * Records the step done: the job's `steps` become `done` and `name`, and once written `name` is appended to
   * `done`, both in the write's own turn, so steps done at once (a handler's Promise.all) each see the others.
   */
  done(name: string, result: unknown, done: string[]): Promise<AttemptWrite | undefined>;
}

/**
 * Runs the handler's steps (`step` in the task context) for one attempt: a step done by an earlier attempt returns
 * its stored result without running; any other runs, and its result is recorded before `step` returns it. So a
 * step's body runs once per job while nothing fails, and again only when its attempt ended (a crash, a lost lease)
 * before its result was recorded. A name used twice in one job, a name that cannot be a document id and a result
 * that cannot be stored fail the job (TaskError `invalid-argument`, naming the step): running it again would do
 * the same.
 */
export class StepRunner {
  private readonly used = new Set<string>();
  private readonly done: string[] = [];
  private readonly stored = new Map<string, unknown>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private loaded: Promise<void> | undefined;
  private suspendedAs: Suspension | undefined;
  /** Whether a step's body ran in this invocation. */
  private ranHere = false;

  /**
   * `loadDone` reads the steps earlier attempts did, in the order they finished; it is called once, at the first
   * step, so a handler without steps reads nothing.
   */
  constructor(
    private readonly loadDone: () => Promise<readonly DoneStep[]>,
    private readonly recorder: StepRecorder,
    private readonly signal: AbortSignal,
    private readonly clock: Clock,
    private readonly budget: StepBudget,
    private readonly signals: ReadonlySet<string> = new Set(),
  ) {}

  /** The suspension the handler reached (a sleep, a continuation), if any: the worker suspends the job so. */
  get suspension(): Suspension | undefined {
    return this.suspendedAs;
  }

  /** TaskContext.step. */
  readonly step = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    await this.begin(name, 'step');
    if (this.stored.has(name)) return structuredClone(this.stored.get(name)) as T;
    this.signal.throwIfAborted();
    if (this.suspendedAs) throw new JobSuspended();
    // An invocation runs at least one step before it may go on in another: so a job always gets forward.
    if (this.ranHere && this.budget.continueBeforeStep()) {
      return this.suspend({ reason: 'continue', dueAt: this.clock.now() });
    }
    const run = this.run(name, body);
    this.inFlight.add(run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(run);
    }
  };

  /**
   * TaskContext.sleepUntil: a sleep is a step whose result is the time it ends, recorded in the commit that suspends
   * the job, so every replay sleeps until the same time and one after it returns at once.
   */
  readonly sleepUntil = async (name: string, until: number): Promise<void> => {
    if (typeof until !== 'number' || !Number.isFinite(until)) {
      throw new TaskError('invalid-argument', `the sleep "${String(name)}" needs a time to end at`);
    }
    await this.begin(name, 'sleep');
    const recorded = this.stored.get(name) as { until?: unknown } | undefined;
    const end = typeof recorded?.until === 'number' ? recorded.until : recorded === undefined ? until : undefined;
    if (end === undefined) {
      throw new TaskError('invalid-argument', `"${name}" is a step of this job, not a sleep`);
    }
    if (end <= this.clock.now()) return;
    this.signal.throwIfAborted();
    if (end > this.budget.jobDeadline) {
      throw new TaskError(
        'deadline-exceeded',
        `the sleep "${name}" would end after the job's time limit (${new Date(this.budget.jobDeadline).toISOString()})`,
      );
    }
    await this.suspend({
      reason: 'sleep',
      dueAt: end,
      ...(recorded === undefined ? { sleep: { name, done: [...this.done] } } : {}),
    });
  };

  /** TaskContext.sleep: a sleep of `ms` from when this job first reaches it. */
  readonly sleep = (name: string, ms: number): Promise<void> => {
    if (typeof ms !== 'number' || !(ms >= 0) || ms > MAX_SLEEP_MS) {
      return Promise.reject(
        new TaskError('invalid-argument', `the sleep "${String(name)}" must be 0 ms to ${MAX_SLEEP_MS} ms (a year)`),
      );
    }
    return this.sleepUntil(name, this.clock.now() + ms);
  };

  /**
   * TaskContext.waitForSignal: the wait is a step whose result is written by whoever ends it, in the commit that lets
   * the job go on: `signalJob` (`{ received: true, payload }`) or the wake-up at its timeout (`{ received: false }`).
   * So a replay finds it done, with the same answer; one that finds it not done suspends the job again.
   */
  readonly waitForSignal = async <Payload = unknown>(
    name: string,
    options: { timeoutSeconds?: number } = {},
  ): Promise<SignalOutcome<Payload>> => {
    await this.begin(name, 'signal');
    if (this.stored.has(name)) return structuredClone(this.stored.get(name)) as SignalOutcome<Payload>;
    if (!this.signals.has(name)) {
      throw new TaskError(
        'invalid-argument',
        `the task declares no signal "${name}" (its signals: ${[...this.signals].join(', ') || 'none'})`,
      );
    }
    const { timeoutSeconds } = options;
    if (timeoutSeconds !== undefined && !(typeof timeoutSeconds === 'number' && timeoutSeconds > 0)) {
      throw new TaskError('invalid-argument', `the wait for "${name}" needs a timeout above 0 s`);
    }
    this.signal.throwIfAborted();
    const until =
      timeoutSeconds === undefined
        ? this.budget.jobDeadline
        : Math.min(this.clock.now() + timeoutSeconds * 1000, this.budget.jobDeadline);
    return this.suspend({ reason: 'signal', dueAt: until, wait: name });
  };

  /** Checks a step's, sleep's or signal's name, marks it used, and waits for the steps earlier invocations did. */
  private async begin(name: string, what: 'step' | 'sleep' | 'signal'): Promise<void> {
    if (typeof name !== 'string' || !STEP_NAME.test(name) || /^__.*__$/.test(name)) {
      throw new TaskError(
        'invalid-argument',
        `the ${what} name ${JSON.stringify(name)} is not allowed: 1 to 100 letters, digits and _ . : -, starting with a letter or digit`,
      );
    }
    if (this.used.has(name)) {
      throw new TaskError(
        'invalid-argument',
        `the ${what} name "${name}" is used twice in this job: each step and sleep needs its own`,
      );
    }
    this.used.add(name);
    this.loaded ??= this.loadDone().then((steps) => {
      for (const done of steps) {
        this.stored.set(done.name, done.result);
        this.done.push(done.name);
      }
    });
    await this.untilAborted(this.loaded);
  }

  /**
   * Stops the handler here: the first suspension reached is the one the worker makes; steps already running finish
   * (and are recorded) first, so none runs again after the job goes on.
   */
  private async suspend(suspension: Suspension): Promise<never> {
    const first = this.suspendedAs === undefined;
    this.suspendedAs ??= suspension;
    await Promise.allSettled([...this.inFlight]);
    // A sleep's record lists the steps done before it, those that were running when it was reached included.
    if (first && suspension.sleep) {
      this.suspendedAs = { ...suspension, sleep: { name: suspension.sleep.name, done: [...this.done] } };
    }
    throw new JobSuspended();
  }

  /** Runs a step's body and records its result. */
  private async run<T>(name: string, body: () => Promise<T>): Promise<T> {
    // A step that runs a while is shown on the job as it runs; one that ends sooner costs no write for it.
    let started: Promise<AttemptWrite | undefined> | undefined;
    const cancelShow = this.clock.setTimer(STEP_SHOWN_AFTER_MS, () => {
      started = this.recorder.started(name);
    });
    let result: T;
    this.ranHere = true;
    try {
      result = await body();
    } finally {
      cancelShow();
      // A failed write of `currentStep` only delays the display; the step's own record below is what counts.
      if (started) await this.untilAborted(started.catch(() => undefined));
    }
    checkStorable(name, result);
    try {
      await this.recorded(this.recorder.done(name, result, this.done));
    } catch (e) {
      if (e instanceof StoreError && !isTransientStoreError(e)) {
        throw new TaskError('invalid-argument', `the result of step "${name}" cannot be stored: ${e.message}`);
      }
      throw e;
    }
    return result;
  }

  /**
   * Waits for a step's record. A record refused because another attempt or the sweep holds the job stops the
   * handler: with the signal's reason once the watchdog aborted it, else as a transient `aborted`. A store failure
   * passes on (transient: the job is retried, and the step runs again).
   */
  private async recorded(write: Promise<AttemptWrite | undefined>): Promise<void> {
    const written = await this.untilAborted(write);
    if (written?.written) return;
    this.signal.throwIfAborted();
    throw new TaskError('aborted', 'the step could not be recorded: the job is no longer this worker’s', {
      transient: true,
    });
  }

  /**
   * `work`'s value, or the signal's reason as soon as it aborts: a store call that hangs inside a step must not keep
   * the handler from stopping when its lease is at risk (the worker stops it before the lease can lapse, so no two
   * attempts run at once), nor when it is cancelled. The call goes on; being fenced on the attempt, what it writes
   * is this attempt's, or nothing.
   */
  private untilAborted<V>(work: Promise<V>): Promise<V> {
    const { signal } = this;
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what the call threw
          reject(e);
        },
      );
    });
  }
}

/** Refuses, naming the step, a result that is not a JSON value or passes MAX_STEP_RESULT_BYTES. */
function checkStorable(name: string, result: unknown): void {
  let bytes: number;
  try {
    bytes = measureJson(result ?? null, 'result');
  } catch (e) {
    if (e instanceof ValidationError) {
      throw new TaskError('invalid-argument', `the result of step "${name}" cannot be stored: ${e.message}`);
    }
    throw e;
  }
  if (bytes > MAX_STEP_RESULT_BYTES) {
    throw new TaskError(
      'invalid-argument',
      `the result of step "${name}" takes ${bytes} bytes, more than the ${MAX_STEP_RESULT_BYTES} a step may store`,
    );
  }
}
