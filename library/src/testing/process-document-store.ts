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
    watch: (path, onChange, onError) => watch(store, process, path, onChange, onError),
    newId: () => store.newId(),
  };
}

/** Makes the call while the process lives, and answers while it still does. */
function call<T>(process: Caller, work: () => Promise<T>): Promise<T> {
  if (!process.isAlive()) return never();
  return process.guard(work());
}

function watch(
  store: DocumentStore,
  process: Caller,
  path: string,
  onChange: (doc: StoredDocument | undefined) => void,
  onError: (e: Error) => void,
): Unsubscribe {
  if (!process.isAlive()) return () => undefined;
  const unsubscribe = store.watch(
    path,
    (doc) => {
      if (process.isAlive()) onChange(doc);
    },
    (e) => {
      if (process.isAlive()) onError(e);
    },
  );
  const forget = process.onKill(unsubscribe);
  return () => {
    forget();
    unsubscribe();
  };
}
