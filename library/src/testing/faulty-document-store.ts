import {
  StoreError,
  type CommitResult,
  type DocumentStore,
  type Filter,
  type OnListenError,
  type OnMatch,
  type Query,
  type StoredDocument,
  type Unsubscribe,
  type Write,
} from '../core/ports/document-store';
import type { RandomSource } from './seeded-random';

/** The calls of the port a fault can hit. */
export type StoreCall = 'get' | 'getAll' | 'query' | 'count' | 'commit' | 'watch';

/** The calls that read. */
export type ReadCall = Exclude<StoreCall, 'commit'>;

/**
 * How an injected fault fails a call:
 * - `transient`: not applied; fails with `unavailable` (worth trying again);
 * - `ambiguous` (commits only): applied, and then fails with `unavailable`, as a commit whose answer was lost;
 * - `aborted` (commits only, from `randomFaults`): not applied; fails with `aborted`, as a contended commit;
 * - `permanent`: not applied; fails with `invalid-argument` (a commit) or `permission-denied` (a read);
 * - `hang`: never answers (a hanging commit is not applied), as a call whose instance froze.
 */
export type Fault = 'transient' | 'ambiguous' | 'aborted' | 'permanent' | 'hang';

/** A call as a fault rule sees it. */
export interface CallDescription {
  readonly call: StoreCall;
  /** The document paths it reads or writes; for a query or a count, its collection. */
  readonly paths: readonly string[];
  /** A commit's writes. */
  readonly writes?: readonly Write[];
  /** A query's or a count's query. */
  readonly query?: Query;
  /** The call in words, as `fired` records it: `commit jobs/a, jobs/b`. */
  readonly text: string;
}

interface RuleScope {
  /** Matches a path of the call (see CallDescription.paths): the exact path, or any the pattern finds. */
  path?: string | RegExp;
  /** How many calls it fails: 1 by default. */
  times?: number;
  /** Fails only calls this holds for. */
  where?: (call: CallDescription) => boolean;
}

/** A rule of faults: the next `times` calls it matches fail with its fault. */
export type FaultRule =
  | (RuleScope & { call: 'commit'; fault: 'transient' | 'ambiguous' | 'permanent' | 'hang' })
  | (RuleScope & { call: ReadCall; fault: 'transient' | 'permanent' | 'hang' });

/** Rates of random faults, each a probability per call (0 by default). */
export interface RandomFaults {
  /** The source of the draws: a seeded one, so a failing run can be replayed. */
  random: RandomSource;
  commitTransient?: number;
  commitAmbiguous?: number;
  commitAborted?: number;
  /** Of get, getAll, query and count (a listener is left alone: add a rule to fail one). */
  readTransient?: number;
  /** Of any call but watch. */
  hang?: number;
}

/** A fault that fired: on which call, and how. */
export interface FiredFault {
  readonly call: StoreCall;
  readonly fault: Fault;
  readonly description: string;
  /** Whether a rule fired it (else a random draw did). */
  readonly byRule: boolean;
}

interface LiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

/** A promise that never settles. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

function describeCall(
  call: StoreCall,
  paths: readonly string[],
  extra: Partial<CallDescription> = {},
): CallDescription {
  return { call, paths, text: `${call} ${paths.join(', ')}`, ...extra };
}

function matchesPath(pattern: string | RegExp | undefined, paths: readonly string[]): boolean {
  if (pattern === undefined) return true;
  return paths.some((path) => (typeof pattern === 'string' ? path === pattern : pattern.test(path)));
}

/**
 * A document store that fails calls as a test tells it, around any other (the in-memory one, usually): rules fail
 * the next calls they match, in the order they were added, and `randomFaults` fails calls at random rates for
 * randomized tests. Every fault that fires is recorded in `fired`. A call no fault hits goes to the inner store.
 */
export class FaultyDocumentStore implements DocumentStore {
  private readonly rules: LiveRule[] = [];
  private random: RandomFaults | undefined;
  /** Every fault that fired, in order. */
  readonly fired: FiredFault[] = [];

  constructor(private readonly inner: DocumentStore) {}

  /** Fails the next `times` calls the rule matches with its fault; rules fire in the order added. */
  fail(rule: FaultRule): this {
    this.rules.push({ rule, remaining: rule.times ?? 1 });
    return this;
  }

  /** Fails calls at random from now on, at these rates (replacing earlier rates); undefined stops it. */
  randomFaults(faults: RandomFaults | undefined): this {
    this.random = faults;
    return this;
  }

  /** Rule faults not fired yet. */
  get pending(): number {
    return this.rules.reduce((sum, { remaining }) => sum + remaining, 0);
  }

  /** Forgets the rules not fired yet and stops random faults. */
  clear(): this {
    this.rules.length = 0;
    this.random = undefined;
    return this;
  }

  get(path: string): Promise<StoredDocument | undefined> {
    return this.read(describeCall('get', [path]), () => this.inner.get(path));
  }

  getAll(paths: readonly string[]): Promise<(StoredDocument | undefined)[]> {
    return this.read(describeCall('getAll', [...paths]), () => this.inner.getAll(paths));
  }

  query(query: Query): Promise<StoredDocument[]> {
    return this.read(describeCall('query', [query.collection], { query }), () => this.inner.query(query));
  }

  count(query: Query): Promise<number> {
    return this.read(describeCall('count', [query.collection], { query }), () => this.inner.count(query));
  }

  async commit(writes: readonly Write[]): Promise<CommitResult> {
    const call = describeCall(
      'commit',
      writes.map((write) => write.path),
      { writes },
    );
    const fault = this.faultOf(call);
    switch (fault) {
      case undefined:
        return this.inner.commit(writes);
      case 'hang':
        return never();
      case 'ambiguous':
        // The commit goes through (or fails on its own), and its answer is lost either way.
        await this.inner.commit(writes).catch(() => undefined);
        throw new StoreError('unavailable', `injected: the answer to ${call.text} was lost`);
      default:
        await Promise.resolve();
        throw this.errorOf(fault, call);
    }
  }

  watch(path: string, onChange: (doc: StoredDocument | undefined) => void, onError: (e: Error) => void): Unsubscribe {
    return this.listen(path, onError, () => this.inner.watch(path, onChange, onError));
  }

  /** A listener too: a rule for `watch` fails it. */
  watchMatching(path: string, where: readonly Filter[], onMatch: OnMatch, onError: OnListenError): Unsubscribe {
    return this.listen(path, onError, () => this.inner.watchMatching(path, where, onMatch, onError));
  }

  /** Starts a listener of `path` with `start`, unless a rule fails it (through onError, or by never answering). */
  private listen(path: string, onError: (e: Error) => void, start: () => Unsubscribe): Unsubscribe {
    const call = describeCall('watch', [path]);
    const fault = this.ruleFault(call);
    if (fault === undefined) return start();
    let active = true;
    if (fault !== 'hang') {
      const error = this.errorOf(fault, call);
      queueMicrotask(() => {
        if (active) onError(error);
      });
    }
    return () => {
      active = false;
    };
  }

  newId(): string {
    return this.inner.newId();
  }

  private async read<T>(call: CallDescription, work: () => Promise<T>): Promise<T> {
    const fault = this.faultOf(call);
    if (fault === undefined) return work();
    if (fault === 'hang') return never();
    await Promise.resolve();
    throw this.errorOf(fault, call);
  }

  /** The fault of a call: the first rule that matches it, else a random draw. */
  private faultOf(call: CallDescription): Fault | undefined {
    return this.ruleFault(call) ?? this.randomFault(call);
  }

  private ruleFault(call: CallDescription): Fault | undefined {
    const index = this.rules.findIndex(
      ({ rule }) => rule.call === call.call && matchesPath(rule.path, call.paths) && (rule.where?.(call) ?? true),
    );
    if (index < 0) return undefined;
    const live = this.rules[index];
    live.remaining -= 1;
    if (live.remaining <= 0) this.rules.splice(index, 1);
    this.fired.push({ call: call.call, fault: live.rule.fault, description: call.text, byRule: true });
    return live.rule.fault;
  }

  private randomFault(call: CallDescription): Fault | undefined {
    const rates = this.random;
    if (!rates) return undefined;
    const draw = rates.random();
    const odds: [Fault, number][] =
      call.call === 'commit'
        ? [
            ['transient', rates.commitTransient ?? 0],
            ['ambiguous', rates.commitAmbiguous ?? 0],
            ['aborted', rates.commitAborted ?? 0],
            ['hang', rates.hang ?? 0],
          ]
        : [
            ['transient', rates.readTransient ?? 0],
            ['hang', rates.hang ?? 0],
          ];
    let threshold = 0;
    for (const [fault, rate] of odds) {
      threshold += rate;
      if (draw < threshold) {
        this.fired.push({ call: call.call, fault, description: call.text, byRule: false });
        return fault;
      }
    }
    return undefined;
  }

  private errorOf(fault: Fault, call: CallDescription): StoreError {
    switch (fault) {
      case 'aborted':
        return new StoreError('aborted', `injected: ${call.text} was aborted by contention`);
      case 'permanent':
        return call.call === 'commit'
          ? new StoreError('invalid-argument', `injected: ${call.text} is refused`)
          : new StoreError('permission-denied', `injected: ${call.text} is denied`);
      default:
        return new StoreError('unavailable', `injected: ${call.text} failed`);
    }
  }
}
