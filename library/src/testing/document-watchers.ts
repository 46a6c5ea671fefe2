import type { StoredDocument, Unsubscribe } from '../core/ports/document-store';

type Snapshot = StoredDocument | undefined;

/** One listener of one document: the snapshots it has yet to get, delivered in order, a microtask later. */
class Watcher {
  private readonly pending: Snapshot[] = [];
  private scheduled = false;
  active = true;

  constructor(private readonly onChange: (doc: Snapshot) => void) {}

  push(snapshot: Snapshot): void {
    this.pending.push(snapshot);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.deliver());
  }

  private deliver(): void {
    this.scheduled = false;
    while (this.active && this.pending.length > 0) this.onChange(this.pending.shift());
  }
}

/**
 * The listeners of the in-memory store's documents. A listener gets the document as it was when it started, then a
 * snapshot per commit that changed it, in commit order, each a copy made when the commit was applied (so it is the
 * document as that commit left it); all of them a microtask later, never during `watch` or a commit.
 */
export class DocumentWatchers {
  private readonly byPath = new Map<string, Set<Watcher>>();

  /** Starts a listener of `path`, whose document is now `current` (a copy the listener may keep). */
  watch(path: string, current: Snapshot, onChange: (doc: Snapshot) => void): Unsubscribe {
    const watcher = new Watcher(onChange);
    let watchers = this.byPath.get(path);
    if (!watchers) this.byPath.set(path, (watchers = new Set()));
    watchers.add(watcher);
    watcher.push(current);
    return () => {
      watcher.active = false;
      const set = this.byPath.get(path);
      set?.delete(watcher);
      if (set?.size === 0) this.byPath.delete(path);
    };
  }

  /** Whether anyone listens to `path` (so a commit makes snapshots only for documents someone follows). */
  watched(path: string): boolean {
    return this.byPath.has(path);
  }

  /** Hands each listener of `path` its own snapshot from `snapshot()`, to be delivered a microtask later. */
  changed(path: string, snapshot: () => Snapshot): void {
    for (const watcher of this.byPath.get(path) ?? []) watcher.push(snapshot());
  }
}
