/**
 * A listener of one document (all of its changes, or those that match filters) that records what it is given, for
 * the conformance suite's watch tests. It waits on the listener itself, never on a fixed sleep, with a real-time
 * deadline (Firestore's listeners run in real time).
 */
import type { DocumentStore, Filter, StoredDocument } from '../../library/src/core/ports/document-store';

/** How long a test waits for a listener's call before it fails. */
const WATCH_DEADLINE_MS = 10_000;

/** The snapshots a listener was given, and a way to wait for more. */
export interface WatchRecording {
  readonly seen: (StoredDocument | undefined)[];
  /** Whether a call came before `watch` returned (the port forbids it). */
  readonly calledBeforeReturn: boolean;
  /** Resolves once `count` snapshots have come; fails after the deadline, or if the listener failed. */
  until(count: number, what: string): Promise<void>;
  stop(): void;
}

/** Records a listener of the document at `path` (DocumentStore.watch). */
export function recordWatch(store: DocumentStore, path: string): WatchRecording {
  return record(path, (onChange, onError) => store.watch(path, onChange, onError));
}

/** Records a listener of the document at `path` while it matches `where` (DocumentStore.watchMatching). */
export function recordMatching(store: DocumentStore, path: string, where: readonly Filter[]): WatchRecording {
  return record(path, (onChange, onError) => store.watchMatching(path, where, onChange, onError));
}

function record(
  path: string,
  start: (onChange: (doc: StoredDocument | undefined) => void, onError: (e: Error) => void) => () => void,
): WatchRecording {
  const seen: (StoredDocument | undefined)[] = [];
  const waiters = new Set<() => void>();
  let returned = false;
  let calledBeforeReturn = false;
  let failure: Error | undefined;
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const stop = start(
    (doc) => {
      if (!returned) calledBeforeReturn = true;
      seen.push(doc);
      wake();
    },
    (e) => {
      failure = e;
      wake();
    },
  );
  returned = true;
  return {
    seen,
    get calledBeforeReturn() {
      return calledBeforeReturn;
    },
    until(count, what) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (seen.length >= count || failure) {
            clearTimeout(timer);
            waiters.delete(check);
            if (failure) reject(failure);
            else resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`watch of ${path}: no ${what} after ${WATCH_DEADLINE_MS} ms (seen ${seen.length})`));
        }, WATCH_DEADLINE_MS);
        waiters.add(check);
        check();
      });
    },
    stop,
  };
}
