import type { Clock } from '../ports/clock';

/** How a handler's run ended. */
export type HandlerSettlement =
  | { kind: 'returned'; value: unknown }
  | { kind: 'threw'; error: unknown }
  /** The signal aborted and the handler did not stop within the grace period; the worker stops waiting. */
  | { kind: 'abandoned' };

/**
 * Waits for a handler's promise, but once `signal` aborts, for at most `graceMs` more on `clock`: a handler that
 * ignores its signal cannot keep a cancelled or timed-out job from ending.
 */
export function settleHandler(
  run: Promise<unknown>,
  signal: AbortSignal,
  graceMs: number,
  clock: Clock,
): Promise<HandlerSettlement> {
  return new Promise((resolve) => {
    let cancelGrace: (() => void) | undefined;
    const onAbort = () => {
      cancelGrace = clock.setTimer(graceMs, () => resolve({ kind: 'abandoned' }));
    };
    run
      .then(
        (value) => resolve({ kind: 'returned', value }),
        (error: unknown) => resolve({ kind: 'threw', error }),
      )
      .finally(() => {
        cancelGrace?.();
        signal.removeEventListener('abort', onAbort);
      });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
