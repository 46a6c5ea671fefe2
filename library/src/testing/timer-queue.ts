import { BinaryHeap } from './binary-heap';

/** A timer as the queue holds it. */
export interface QueuedTimer {
  /** When it is due, in the clock's epoch ms. */
  readonly at: number;
  /** Order of registration: of two timers due at once, the earlier registered fires first, as Node's do. */
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Of two timers, whether `a` fires first: the earlier due, and of two due at once the earlier registered. */
function firesFirst(a: QueuedTimer, b: QueuedTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * The timers of a simulated clock: a binary heap on (due time, registration order), so the next timer is found
 * in O(1) and added or taken in O(log n). A cancelled timer is marked and dropped when it reaches the top.
 */
export class TimerQueue {
  private readonly heap = new BinaryHeap<QueuedTimer>(firesFirst);
  private nextSeq = 0;
  private live = 0;

  /** Timers registered and neither fired nor cancelled. */
  get size(): number {
    return this.live;
  }

  add(at: number, callback: () => void): QueuedTimer {
    const timer: QueuedTimer = { at, seq: this.nextSeq++, callback, cancelled: false };
    this.heap.push(timer);
    this.live += 1;
    return timer;
  }

  cancel(timer: QueuedTimer): void {
    if (timer.cancelled) return;
    timer.cancelled = true;
    this.live -= 1;
  }

  /** The next timer to fire, without taking it. */
  peek(): QueuedTimer | undefined {
    return this.heap.firstWhere((timer) => !timer.cancelled);
  }

  /** Takes the next timer to fire; it counts as fired (cancelling it afterwards does nothing). */
  take(): QueuedTimer | undefined {
    if (!this.peek()) return undefined;
    const top = this.heap.pop();
    if (top) {
      top.cancelled = true;
      this.live -= 1;
    }
    return top;
  }
}
