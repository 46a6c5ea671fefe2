/**
 * A binary heap ordered by `before`: the first item is found in O(1), and added or taken in O(log n). Items that
 * went stale while in the heap are dropped lazily: `firstWhere` pops them off the top until one still holds, so a
 * removal from the middle costs nothing when it happens.
 */
export class BinaryHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  /** Items in the heap, stale ones included. */
  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
    this.up(this.items.length - 1);
  }

  /** The first item, without taking it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Takes the first item. */
  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop() as T;
    if (items.length > 0) {
      items[0] = last;
      this.down(0);
    }
    return top;
  }

  /** The first item for which `holds` is true, after dropping every item before it (they are stale). */
  firstWhere(holds: (item: T) => boolean): T | undefined {
    for (let top = this.peek(); top !== undefined; top = this.peek()) {
      if (holds(top)) return top;
      this.pop();
    }
    return undefined;
  }

  /** Every item, in no particular order (for inspection). */
  values(): readonly T[] {
    return this.items;
  }

  private up(index: number): void {
    const items = this.items;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  private down(index: number): void {
    const items = this.items;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < items.length && this.before(items[left], items[first])) first = left;
      if (right < items.length && this.before(items[right], items[first])) first = right;
      if (first === i) return;
      [items[i], items[first]] = [items[first], items[i]];
      i = first;
    }
  }
}
