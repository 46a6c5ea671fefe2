import type { Clock } from '../core/ports/clock';

/**
 * Who makes a call to the in-memory store (through processStore): the clock its waits (a retry's backoff) run on,
 * and whether it is still alive. A call made by a process that is killed never returns and writes nothing after the
 * kill, as a call of a crashed instance would.
 */
export interface Caller {
  readonly clock: Clock;
  isAlive(): boolean;
  /** Settles as `work` does while the caller lives; never, once it is killed. */
  guard<T>(work: Promise<T>): Promise<T>;
  /** Calls `stop` when the caller is killed (at once if it is dead already); returns a function that forgets it. */
  onKill(stop: () => void): () => void;
}

/** A caller that is never killed: the test itself, or a sweep that always runs to its end. */
export function immortalCaller(clock: Clock): Caller {
  return {
    clock,
    isAlive: () => true,
    guard: (work) => work,
    onKill: () => () => undefined,
  };
}

/** A promise that never settles: what a killed process waits on forever. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

/**
 * A simulated process (one worker instance) on a simulated clock: its own clock's timers, its listeners and its
 * calls to the in-memory store all stop at once when it is killed, as when an instance crashes or is shut down
 * mid-job. What it wrote before the kill stays written; nothing it started afterwards lands.
 */
export class SimulatedProcess implements Caller {
  readonly clock: Clock;
  private readonly timers = new Set<() => void>();
  private readonly killHooks = new Set<() => void>();
  private dead = false;

  constructor(parent: Clock) {
    this.clock = {
      now: () => parent.now(),
      setTimer: (ms, callback) => {
        if (this.dead) return () => undefined;
        const cancel = parent.setTimer(ms, () => {
          this.timers.delete(cancel);
          callback();
        });
        this.timers.add(cancel);
        return () => {
          this.timers.delete(cancel);
          cancel();
        };
      },
    };
  }

  /** Whether `kill()` was called. */
  get killed(): boolean {
    return this.dead;
  }

  isAlive(): boolean {
    return !this.dead;
  }

  /** Timers of this process that have neither fired nor been cancelled. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Stops the process: cancels its timers, stops its listeners, and leaves its calls in flight unanswered. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    for (const stop of this.killHooks) stop();
    this.killHooks.clear();
  }

  guard<T>(work: Promise<T>): Promise<T> {
    if (this.dead) {
      work.catch(() => undefined); // its outcome is nobody's now
      return never();
    }
    return new Promise<T>((resolve, reject) => {
      work.then(
        (value) => {
          if (!this.dead) resolve(value);
        },
        (e: unknown) => {
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what `work` threw
          if (!this.dead) reject(e);
        },
      );
    });
  }

  onKill(stop: () => void): () => void {
    if (this.dead) {
      stop();
      return () => undefined;
    }
    this.killHooks.add(stop);
    return () => this.killHooks.delete(stop);
  }
}
