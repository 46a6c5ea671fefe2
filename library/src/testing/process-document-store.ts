import type {
  CommitResult,
  DocumentStore,
  Query,
  StoredDocument,
  Unsubscribe,
  Write,
} from '../core/ports/document-store';
import type { Caller } from './simulated-process';

/** A promise that never settles: what a killed process waits on forever. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

/**
 * `store` as one simulated process reaches it. Once the process is killed, its calls in flight never answer, a
 * commit it had not yet handed to the store is never applied (one handed over may still land, as a request already
 * sent does), and its listeners stop. Calls it makes after the kill never answer and do nothing.
 */
export function processStore(store: DocumentStore, process: Caller): DocumentStore {
  return {
    get: (path: string): Promise<StoredDocument | undefined> => call(process, () => store.get(path)),
    getAll: (paths: readonly string[]): Promise<(StoredDocument | undefined)[]> =>
      call(process, () => store.getAll(paths)),
    query: (query: Query): Promise<StoredDocument[]> => call(process, () => store.query(query)),
    count: (query: Query): Promise<number> => call(process, () => store.count(query)),
    // Whether the process lives is checked right before the commit is handed over, never earlier.
    commit: (writes: readonly Write[]): Promise<CommitResult> => call(process, () => store.commit(writes)),
    watch: (path, onChange, onError) =>
      listen(process, onError, (alive, failed) => store.watch(path, alive(onChange), failed)),
    watchMatching: (path, where, onMatch, onError) =>
      listen(process, onError, (alive, failed) => store.watchMatching(path, where, alive(onMatch), failed)),
    newId: () => store.newId(),
  };
}

/** Makes the call while the process lives, and answers while it still does. */
function call<T>(process: Caller, work: () => Promise<T>): Promise<T> {
  if (!process.isAlive()) return never();
  return process.guard(work());
}

/**
 * Starts a listener while the process lives: `alive` wraps its callbacks so they run only while it does, and the kill
 * stops it.
 */
function listen(
  process: Caller,
  onError: (e: Error) => void,
  start: (alive: <T>(callback: (value: T) => void) => (value: T) => void, failed: (e: Error) => void) => Unsubscribe,
): Unsubscribe {
  if (!process.isAlive()) return () => undefined;
  const alive =
    <T>(callback: (value: T) => void) =>
    (value: T) => {
      if (process.isAlive()) callback(value);
    };
  const unsubscribe = start(alive, alive(onError));
  const forget = process.onKill(unsubscribe);
  return () => {
    forget();
    unsubscribe();
  };
}
