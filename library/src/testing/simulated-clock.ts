import type { Clock } from '../core/ports/clock';
import { SimulatedProcess } from './simulated-process';
import { TimerQueue } from './timer-queue';

/** Where simulated time starts unless a test says otherwise: 2025-01-01T00:00:00Z, so runs are reproducible. */
export const SIMULATION_EPOCH = Date.UTC(2025, 0, 1);

/** A day of simulated time: how far `runUntilIdle` and `runUntil` go before they call the run a runaway. */
const DEFAULT_LIMIT_MS = 24 * 60 * 60 * 1000;

export interface SimulatedClockOptions {
  /** The time `now()` starts at (epoch ms); SIMULATION_EPOCH by default. */
  start?: number;
  /**
   * Turns of the event loop given to promise chains before each timer fires and after the last. The core and the
   * in-memory adapters only chain promises (microtasks), which one turn drains; more turns cost time.
   */
  settleTurns?: number;
}

export interface RunLimit {
  /** Simulated ms the run may take before it fails; a day by default. */
  limitMs?: number;
}

/** One turn of the event loop: every promise reaction already queued runs first. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Simulated time for the core's Clock port. `now()` stands still until the test moves it; `setTimer` queues a
 * timer, and `advance`, `runUntil` and `runUntilIdle` fire due timers one at a time in time order (and, at one
 * instant, in the order they were set), letting promise chains settle before each, so async use cases progress
 * as they would in real time, deterministically and without waiting. No real timer is involved.
 */
export class SimulatedClock implements Clock {
  private time: number;
  private readonly timers = new TimerQueue();
  private readonly settleTurns: number;

  constructor(options: SimulatedClockOptions = {}) {
    this.time = options.start ?? SIMULATION_EPOCH;
    this.settleTurns = options.settleTurns ?? 2;
  }

  now(): number {
    return this.time;
  }

  /** Queues `callback` for `ms` from now; a negative or non-finite delay means now (Node fires those at once too). */
  setTimer(ms: number, callback: () => void): () => void {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer = this.timers.add(this.time + delay, callback);
    return () => this.timers.cancel(timer);
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** When the next timer is due, if any is. */
  nextTimerAt(): number | undefined {
    return this.timers.peek()?.at;
  }

  /** A new process on this clock, with its own timers, that a test can kill (see SimulatedProcess). */
  process(): SimulatedProcess {
    return new SimulatedProcess(this);
  }

  /** Lets queued promise chains run, without moving time. */
  async settle(): Promise<void> {
    for (let turn = 0; turn < this.settleTurns; turn++) await nextTurn();
  }

  /** Moves time `ms` forward, firing every timer due by then in order. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.time + Math.max(0, ms));
  }

  /** Moves time forward to `time` (epoch ms), firing every timer due by then in order. */
  async advanceTo(time: number): Promise<void> {
    for (;;) {
      await this.settle();
      const next = this.timers.peek();
      if (!next || next.at > time) break;
      this.fireNext();
    }
    this.time = Math.max(this.time, time);
    await this.settle();
  }

  /**
   * Fires timers in order until `done()` holds (checked after every timer, once promise chains settled). Fails if
   * the timers run out first or `limitMs` of simulated time passes, so a test that waits for what never happens
   * fails instead of hanging.
   */
  async runUntil(done: () => boolean, options: RunLimit = {}): Promise<void> {
    const limitMs = options.limitMs ?? DEFAULT_LIMIT_MS;
    const deadline = this.time + limitMs;
    for (;;) {
      await this.settle();
      if (done()) return;
      const next = this.timers.peek();
      if (!next) throw new Error('runUntil: no timer is left and the condition still does not hold');
      if (next.at > deadline) {
        throw new Error(`runUntil: the condition does not hold after ${limitMs} ms`);
      }
      this.fireNext();
    }
  }

  /** Fires timers in order until none is left; fails if some are still due past `limitMs` (a runaway loop). */
  async runUntilIdle(options: RunLimit = {}): Promise<void> {
    const limitMs = options.limitMs ?? DEFAULT_LIMIT_MS;
    const deadline = this.time + limitMs;
    for (;;) {
      await this.settle();
      const next = this.timers.peek();
      if (!next) return;
      if (next.at > deadline) {
        throw new Error(`runUntilIdle: ${this.timers.size} timers are still pending after ${limitMs} ms`);
      }
      this.fireNext();
    }
  }

  private fireNext(): void {
    const timer = this.timers.take();
    if (!timer) return;
    this.time = Math.max(this.time, timer.at);
    timer.callback();
  }
}
