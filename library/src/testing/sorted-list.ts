/** How many items a chunk holds before it splits: small enough that a splice is cheap, big enough for few chunks. */
const CHUNK_SIZE = 512;

/**
 * A list kept sorted by `compare`, in chunks of at most CHUNK_SIZE items: an insert or a removal costs a binary
 * search and a splice within one chunk, not a move of the whole list, so an index of 100,000 documents takes
 * changes cheaply. A position is found with a monotone predicate (`before`: true for every item before the position,
 * false from it on), by binary search over the chunks, then within one.
 */
export class SortedList<T> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  /** Items in the list. */
  get size(): number {
    return this.count;
  }

  /** Adds `item` after any item equal to it. */
  insert(item: T): void {
    this.count += 1;
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const before = (other: T) => this.compare(other, item) <= 0;
    let c = this.chunkIndex(before);
    if (c === this.chunks.length) c -= 1; // after every item: into the last chunk
    const chunk = this.chunks[c];
    chunk.splice(firstNotBefore(chunk, before), 0, item);
    if (chunk.length > CHUNK_SIZE)
      this.chunks.splice(c, 1, chunk.slice(0, chunk.length >> 1), chunk.slice(chunk.length >> 1));
  }

  /** Removes one item equal to `item` (compare gives 0); whether there was one. */
  remove(item: T): boolean {
    const before = (other: T) => this.compare(other, item) < 0;
    const c = this.chunkIndex(before);
    const chunk = this.chunks[c] as T[] | undefined;
    if (!chunk) return false;
    const i = firstNotBefore(chunk, before);
    if (i === chunk.length || this.compare(chunk[i], item) !== 0) return false;
    chunk.splice(i, 1);
    if (chunk.length === 0) this.chunks.splice(c, 1);
    this.count -= 1;
    return true;
  }

  /** How many items `before` holds for: the position of the first item it does not hold for. */
  rank(before: (item: T) => boolean): number {
    const c = this.chunkIndex(before);
    let rank = 0;
    for (let i = 0; i < c; i++) rank += this.chunks[i].length;
    const chunk = this.chunks[c] as T[] | undefined;
    return chunk ? rank + firstNotBefore(chunk, before) : rank;
  }

  /** The items from position `from` (inclusive) to `to` (exclusive), in order. */
  *range(from: number, to: number = this.count): Generator<T, void, undefined> {
    let c = 0;
    let skipped = 0;
    while (c < this.chunks.length && skipped + this.chunks[c].length <= from) skipped += this.chunks[c++].length;
    let remaining = to - from;
    let i = from - skipped;
    for (; c < this.chunks.length && remaining > 0; c++, i = 0) {
      const chunk = this.chunks[c];
      for (; i < chunk.length && remaining > 0; i++, remaining--) yield chunk[i];
    }
  }

  /** Every item, in order. */
  values(): Generator<T, void, undefined> {
    return this.range(0);
  }

  /** The first chunk whose last item `before` does not hold for (the number of chunks if there is none). */
  private chunkIndex(before: (item: T) => boolean): number {
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const chunk = this.chunks[mid];
      if (before(chunk[chunk.length - 1])) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** The first position in the sorted `items` that `before` does not hold for. */
function firstNotBefore<T>(items: readonly T[], before: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (before(items[mid])) low = mid + 1;
    else high = mid;
  }
  return low;
}
