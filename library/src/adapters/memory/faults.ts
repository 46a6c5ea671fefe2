import { MemoryStoreError } from './memory-store-errors';

/**
 * The commits of the in-memory repository a test can make fail, one per kind of write the port makes: `create` is
 * a create's admission step (one per shard tried), `dispatch` a waiting job's dispatch to a slot, and `wait` a
 * change of an owner's wait places.
 */
export type CommitOperation =
  | 'create'
  | 'dispatch'
  | 'cancel'
  | 'delete'
  | 'claim'
  | 'finish'
  | 'requeue'
  | 'progress'
  | 'lease'
  | 'recover'
  | 'wait';

/**
 * How an injected commit fails:
 * - `transient`: not applied; fails with UNAVAILABLE (worth trying again);
 * - `ambiguous`: applied, and then fails with UNAVAILABLE, as a commit whose answer was lost;
 * - `permanent`: not applied; fails with INVALID_ARGUMENT, as a value Firestore refuses for good.
 */
export type CommitFault = 'transient' | 'ambiguous' | 'permanent';

/** How an injected read fails: `transient` with UNAVAILABLE, `permanent` with PERMISSION_DENIED. */
export type ReadFault = 'transient' | 'permanent';

export interface FaultOptions {
  /** How many calls in a row fail (1 by default). */
  times?: number;
  /** Only calls about this job fail (for `wait`, this owner's); any job's by default. */
  jobId?: string;
}

/** A fault that fired: which call it hit, and how. */
export type FiredFault =
  | { kind: 'commit'; operation: CommitOperation; jobId: string; fault: CommitFault }
  | { kind: 'read'; jobId: string; fault: ReadFault };

interface Rule<Fault> {
  fault: Fault;
  remaining: number;
  jobId: string | undefined;
}

/** Takes one use of the first rule that matches `jobId`, if any. */
function take<Fault>(rules: Rule<Fault>[], jobId: string): Fault | undefined {
  const index = rules.findIndex((rule) => rule.jobId === undefined || rule.jobId === jobId);
  if (index < 0) return undefined;
  const rule = rules[index];
  rule.remaining -= 1;
  if (rule.remaining <= 0) rules.splice(index, 1);
  return rule.fault;
}

/**
 * The faults a test injects into the in-memory repository, deterministically: the next `times` commits of an
 * operation, or the next reads, fail as told. Rules fire in the order they were added. The repository retries
 * what fails transiently exactly as the Firestore adapter does (see MemoryJobRepository), so a test sees the
 * worker's and the sweep's answers to Firestore's failures.
 */
export class RepositoryFaults {
  private readonly commitRules = new Map<CommitOperation, Rule<CommitFault>[]>();
  private readonly readRules: Rule<ReadFault>[] = [];
  /** Every fault that fired, in order. */
  readonly fired: FiredFault[] = [];

  /** The next `times` commits of `operation` (about `jobId`, if given) fail with `fault`. */
  failCommits(operation: CommitOperation, fault: CommitFault, options: FaultOptions = {}): this {
    const rules = this.commitRules.get(operation) ?? [];
    rules.push({ fault, remaining: options.times ?? 1, jobId: options.jobId });
    this.commitRules.set(operation, rules);
    return this;
  }

  /**
   * The next `times` single-job reads (about `jobId`, if given) fail with `fault`: `read`, `get`, and the reads the
   * claim and the attempt's writes make. A transaction's own read (create, dispatch, cancel, delete, recover, wait)
   * is not one of them.
   */
  failReads(fault: ReadFault, options: FaultOptions = {}): this {
    this.readRules.push({ fault, remaining: options.times ?? 1, jobId: options.jobId });
    return this;
  }

  /** Faults injected that have not fired yet. */
  get pending(): number {
    let count = this.readRules.reduce((sum, rule) => sum + rule.remaining, 0);
    for (const rules of this.commitRules.values()) count += rules.reduce((sum, rule) => sum + rule.remaining, 0);
    return count;
  }

  /** Forgets every fault not fired yet. */
  clear(): void {
    this.commitRules.clear();
    this.readRules.length = 0;
  }

  /** The fault of this commit, if one is due (used by the repository). */
  takeCommitFault(operation: CommitOperation, jobId: string): CommitFault | undefined {
    const rules = this.commitRules.get(operation);
    const fault = rules && take(rules, jobId);
    if (fault) this.fired.push({ kind: 'commit', operation, jobId, fault });
    return fault;
  }

  /** The fault of this read, if one is due (used by the repository). */
  takeReadFault(jobId: string): ReadFault | undefined {
    const fault = take(this.readRules, jobId);
    if (fault) this.fired.push({ kind: 'read', jobId, fault });
    return fault;
  }
}

/** The error an injected commit fault answers with. */
export function commitFaultError(operation: CommitOperation, jobId: string, fault: CommitFault): MemoryStoreError {
  return fault === 'permanent'
    ? new MemoryStoreError('invalid-argument', `injected: the ${operation} of ${jobId} is refused`, true)
    : new MemoryStoreError(
        'unavailable',
        `injected: the ${operation} of ${jobId} failed${fault === 'ambiguous' ? ' after it was applied' : ''}`,
        true,
      );
}

/** The error an injected read fault answers with. */
export function readFaultError(jobId: string, fault: ReadFault): MemoryStoreError {
  return fault === 'permanent'
    ? new MemoryStoreError('permission-denied', `injected: the read of ${jobId} is denied`, true)
    : new MemoryStoreError('unavailable', `injected: the read of ${jobId} failed`, true);
}
