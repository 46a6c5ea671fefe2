/** A timer as the queue holds it. */
export interface QueuedTimer {
  /** When it is due, in the clock's epoch ms. */
  readonly at: number;
  /** Order of registration: of two timers due at once, the earlier registered fires first, as Node's do. */
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * The timers of a simulated clock: a binary min-heap on (due time, registration order), so the next timer is found
 * in O(1) and added or taken in O(log n). A cancelled timer is marked and skipped when it reaches the top.
 */
export class TimerQueue {
  private readonly heap: QueuedTimer[] = [];
  private nextSeq = 0;
  private live = 0;

  /** Timers registered and neither fired nor cancelled. */
  get size(): number {
    return this.live;
  }

  add(at: number, callback: () => void): QueuedTimer {
    const timer: QueuedTimer = { at, seq: this.nextSeq++, callback, cancelled: false };
    this.heap.push(timer);
    this.up(this.heap.length - 1);
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
    this.dropCancelled();
    return this.heap.length > 0 ? this.heap[0] : undefined;
  }

  /** Takes the next timer to fire; it counts as fired (cancelling it afterwards does nothing). */
  take(): QueuedTimer | undefined {
    this.dropCancelled();
    const top = this.removeTop();
    if (top) {
      top.cancelled = true;
      this.live -= 1;
    }
    return top;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.removeTop();
  }

  private removeTop(): QueuedTimer | undefined {
    if (this.heap.length === 0) return undefined;
    const top = this.heap[0];
    const last = this.heap.pop();
    if (last && last !== top) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private before(a: QueuedTimer, b: QueuedTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(index: number): void {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private down(index: number): void {
    const heap = this.heap;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < heap.length && this.before(heap[left], heap[first])) first = left;
      if (right < heap.length && this.before(heap[right], heap[first])) first = right;
      if (first === i) return;
      [heap[i], heap[first]] = [heap[first], heap[i]];
      i = first;
    }
  }
}
