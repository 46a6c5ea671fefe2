/**
 * The log entries of the functions running in the Functions emulator, as the emulator suite's Logging emulator
 * streams them over a WebSocket (what the Emulator UI's Logs tab reads). Each bundle it sends has the line a
 * function wrote with firebase-functions' logger parsed as `data.user` (the structured entry: `message`,
 * `severity` and the fields logged) and the function's name as `data.metadata.function.name`. A new connection is
 * sent every bundle since the suite started, then each new one as it is written, so an entry written before
 * `open()` is seen too.
 *
 * scripts/emulators.mjs sets START_LOGGING_EMULATOR=true, so firebase-tools starts the Logging emulator with
 * `emulators:exec` too, and the Emulator Hub lists it; `open()` finds it there.
 */
import assert from 'node:assert/strict';

/** A structured entry a function logged. */
export interface FunctionLogEntry {
  message: string;
  severity?: string;
  [field: string]: unknown;
}

/** One entry with the function that wrote it (`us-central1-runJob`, say). */
export interface LoggedEntry {
  functionName: string | undefined;
  entry: FunctionLogEntry;
}

/** A bundle as the Logging emulator sends it, as far as read here. */
interface LogBundle {
  data?: { user?: unknown; metadata?: { function?: { name?: string } } };
}

const OPEN_DEADLINE_MS = 10_000;

/** The Logging emulator's WebSocket address, from the Emulator Hub that `firebase emulators:exec` names. */
async function loggingEmulatorUrl(): Promise<string> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub) throw new Error('FIREBASE_EMULATOR_HUB is not set: run this test with `npm test` (the emulator suite)');
  const response = await fetch(`http://${hub}/emulators`);
  const emulators = (await response.json()) as Record<string, { host?: string; port?: number } | undefined>;
  const logging = emulators.logging;
  if (!logging?.host || !logging.port) {
    throw new Error(
      `the Emulator Hub lists no Logging emulator (it lists ${Object.keys(emulators).join(', ')}): ` +
        'run firebase emulators:exec with START_LOGGING_EMULATOR=true',
    );
  }
  return `ws://${logging.host}:${logging.port}`;
}

export class FunctionLogs {
  /** Every function log entry received so far, oldest first. */
  readonly entries: LoggedEntry[] = [];
  private readonly listeners = new Set<(logged: LoggedEntry) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (typeof event.data !== 'string') return;
      const bundle = JSON.parse(event.data) as LogBundle;
      const user = bundle.data?.user;
      if (typeof user !== 'object' || user === null || typeof (user as FunctionLogEntry).message !== 'string') return;
      const logged = { functionName: bundle.data?.metadata?.function?.name, entry: user as FunctionLogEntry };
      this.entries.push(logged);
      for (const listener of [...this.listeners]) listener(logged);
    });
  }

  /** Connects to the Logging emulator; close() the result when done. */
  static async open(): Promise<FunctionLogs> {
    assert.equal(typeof WebSocket, 'function', 'Node 22 has a global WebSocket (npm test runs Node 22)');
    const url = await loggingEmulatorUrl();
    const socket = new WebSocket(url);
    const logs = new FunctionLogs(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`the Logging emulator at ${url} did not accept a connection within ${OPEN_DEADLINE_MS} ms`));
      }, OPEN_DEADLINE_MS);
      socket.addEventListener('open', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.addEventListener('error', () => {
        clearTimeout(timer);
        reject(new Error(`could not connect to the Logging emulator at ${url}`));
      });
    });
    return logs;
  }

  /** The entries received so far that satisfy `predicate`. */
  matching(predicate: (entry: FunctionLogEntry) => boolean): LoggedEntry[] {
    return this.entries.filter(({ entry }) => predicate(entry));
  }

  /**
   * Resolves with the first entry (received already or later) that satisfies `predicate`; rejects after
   * `deadlineMs` with `what` and the entries that satisfy `related`, to show what was logged instead.
   */
  waitFor(
    what: string,
    predicate: (entry: FunctionLogEntry) => boolean,
    { deadlineMs = 30_000, related }: { deadlineMs?: number; related?: (entry: FunctionLogEntry) => boolean } = {},
  ): Promise<LoggedEntry> {
    return new Promise((resolve, reject) => {
      const check = (logged: LoggedEntry | undefined) => {
        if (!logged || !predicate(logged.entry)) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(logged);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        const instead = related ? this.matching(related).map(({ entry }) => JSON.stringify(entry)) : [];
        reject(
          new Error(
            `no function logged ${what} within ${deadlineMs} ms (${this.entries.length} entries received)` +
              (related ? `; the related entries: ${instead.length ? instead.join('\n') : 'none'}` : ''),
          ),
        );
      }, deadlineMs);
      this.listeners.add(check);
      check(this.entries.find(({ entry }) => predicate(entry)));
    });
  }

  close(): void {
    this.listeners.clear();
    this.socket.close();
  }
}
