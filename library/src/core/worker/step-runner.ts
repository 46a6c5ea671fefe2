import { ValidationError } from '../errors';
import type { Clock } from '../ports/clock';
import { measureJson } from '../json-shape';
import { isTransientStoreError, StoreError } from '../ports/document-store';
import type { AttemptWrite } from '../protocol/attempt';
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
  private loaded: Promise<void> | undefined;

  /**
   * `loadDone` reads the steps earlier attempts did, in the order they finished; it is called once, at the first
   * step, so a handler without steps reads nothing.
   */
  constructor(
    private readonly loadDone: () => Promise<readonly DoneStep[]>,
    private readonly recorder: StepRecorder,
    private readonly signal: AbortSignal,
    private readonly clock: Clock,
  ) {}

  /** TaskContext.step. */
  readonly step = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    if (typeof name !== 'string' || !STEP_NAME.test(name) || /^__.*__$/.test(name)) {
      throw new TaskError(
        'invalid-argument',
        `the step name ${JSON.stringify(name)} is not allowed: 1 to 100 letters, digits and _ . : -, starting with a letter or digit`,
      );
    }
    if (this.used.has(name)) {
      throw new TaskError(
        'invalid-argument',
        `the step name "${name}" is used twice in this job: each step needs its own`,
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
    if (this.stored.has(name)) return structuredClone(this.stored.get(name)) as T;
    this.signal.throwIfAborted();
    // A step that runs a while is shown on the job as it runs; one that ends sooner costs no write for it.
    let started: Promise<AttemptWrite | undefined> | undefined;
    const cancelShow = this.clock.setTimer(STEP_SHOWN_AFTER_MS, () => {
      started = this.recorder.started(name);
    });
    let result: T;
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
  };

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
