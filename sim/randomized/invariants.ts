import { isDeepStrictEqual } from 'node:util';
import type { Job } from '../../library/src/core/job';
import type { DocumentData } from '../../library/src/core/ports/document-store';
import type { StoreLayout } from '../../library/src/core/protocol/store-layout';
import type { AppliedCommit, MemoryDocumentStore } from '../../library/src/testing/memory-document-store';

/** One handler run: its job, attempt, and when it started and stopped (undefined while it runs). */
export interface HandlerRun {
  jobId: string;
  attempt: number;
  start: number;
  stop?: number;
}

/** An acknowledged cancel: the owner was told the job is CANCELLED, or that its worker was asked to stop. */
export interface CancelAck {
  jobId: string;
  /** The attempts the job had when the answer was given: no later attempt may start. */
  attempts: number;
  time: number;
}

const asJob = (data: DocumentData | undefined) => data as unknown as Job | undefined;

/**
 * How long a dispatch's read of the queue may be older than its commit: a job that started to wait later than this
 * before the commit may not have been seen. Reads are made in the same round as the commit; what separates them is
 * the commit's wait for its documents and its round trip, well under this in every seed.
 */
export const DISPATCH_READ_SLACK_MS = 5_000;

/**
 * The protocol's invariants, checked on every commit the store applies (through its commit hook, synchronously, with
 * each document as it was before the commit and after) and at rest:
 *
 * 1. every job not done waits for a stated reason: CREATED and waiting for a slot (with its rank), CREATED and sent
 *    (holding a slot, with a dispatch time), or RUNNING (holding a slot, under a claim and a lease);
 * 2. a done document never changes (it may be deleted);
 * 3. no two attempts of one job run their handlers at once;
 * 4. every held slot is held by exactly one job not done, and every job that holds a slot holds a held one (a slot
 *    whose job was deleted by hand may stay held until the sweep frees it);
 * 5. no owner with waiting jobs gets more than one turn behind another, a turn being a rank: (a) two waiting jobs of
 *    one owner never share a rank; (b) a job that starts to wait while its owner has none waiting gets a rank no
 *    higher than one past the lowest rank waiting (it joins the current turn, not the end of the queue); (c) a job
 *    sent at rank r leaves no other owner's job waiting at a rank below r − 1 that the dispatch could see;
 * 6. a job whose cancel was acknowledged never starts another attempt;
 * 7. a step of a job's handler, once recorded done, never runs again, and runs at most once per attempt.
 *
 * A violation is recorded with the time and what was seen; the run goes on so one seed shows every violation.
 */
export class InvariantChecker {
  readonly violations: string[] = [];
  readonly runs: HandlerRun[] = [];
  readonly cancels = new Map<string, CancelAck>();
  /** When each job started to wait, for the dispatches that may not have seen it yet. */
  private readonly waitingSince = new Map<string, number>();
  /** Slots whose holder was deleted by hand: held for nothing until the sweep frees them. */
  private readonly leaked = new Set<string>();
  private readonly stopHook: () => void;
  /** Steps recorded done (`jobId/name`), by the attempt that recorded them, and the step bodies each attempt ran. */
  private readonly stepsRecorded = new Map<string, number>();
  private readonly stepRuns = new Set<string>();

  constructor(
    private readonly store: MemoryDocumentStore,
    private readonly layout: StoreLayout,
    private readonly pools: readonly string[],
    private readonly now: () => number,
    /** Hears each job's creation, send and end, for a replay that shows what happened (`simtest --trace`). */
    private readonly trace?: (line: string) => void,
  ) {
    this.stopHook = store.onCommit((commit) => this.onCommit(commit));
  }

  stop(): void {
    this.stopHook();
  }

  private violate(what: string): void {
    this.violations.push(`t=${this.now()} ${what}`);
  }

  /** A handler run of the job's attempt starts; returns its stop. */
  handlerStarted(jobId: string, attempt: number): () => void {
    const open = this.runs.find((run) => run.jobId === jobId && run.stop === undefined && run.attempt !== attempt);
    if (open) this.violate(`job ${jobId}: attempt ${attempt} started while attempt ${open.attempt} runs`);
    const ack = this.cancels.get(jobId);
    if (ack && attempt > ack.attempts) {
      this.violate(`job ${jobId}: attempt ${attempt} started after its cancel was acknowledged at t=${ack.time}`);
    }
    const run: HandlerRun = { jobId, attempt, start: this.now() };
    this.runs.push(run);
    return () => {
      run.stop ??= this.now();
    };
  }

  /** The owner was answered that the job is cancelled (or its worker asked to stop). */
  cancelAcknowledged(jobId: string, attempts: number): void {
    if (!this.cancels.has(jobId)) this.cancels.set(jobId, { jobId, attempts, time: this.now() });
  }

  /** A job is about to be deleted by hand: its slot, if it holds one, is allowed to stay held until a sweep. */
  deletingByHand(job: Job | undefined): void {
    if (job && !job.done && typeof job.slot === 'number') this.leaked.add(`${job.pool ?? ''}/${job.slot}`);
  }

  /** How many times the bodies of a job's steps started, all steps and attempts together. */
  stepBodyRuns(jobId: string): number {
    let runs = 0;
    for (const run of this.stepRuns) if (run.startsWith(`${jobId}/`)) runs += 1;
    return runs;
  }

  /**
   * Invariant 8, for a job of `steps` steps that COMPLETED after `attempts` attempts: each step's body ran once, and
   * each attempt after the first (a crash, a lost lease, a transient failure) ran at most one body again, the one
   * it interrupted.
   */
  completedSteps(jobId: string, steps: number, attempts: number): void {
    const runs = this.stepBodyRuns(jobId);
    if (runs < steps || runs > steps + attempts - 1) {
      this.violate(`job ${jobId}: ${runs} step bodies ran for ${steps} steps over ${attempts} attempts`);
    }
  }

  /** Invariant 7, as a step's body starts: not recorded done yet, and not run before by this attempt. */
  stepBodyStarted(jobId: string, name: string, attempt: number): void {
    const key = `${jobId}/${name}`;
    const recordedBy = this.stepsRecorded.get(key);
    if (recordedBy !== undefined) {
      this.violate(
        `job ${jobId}: step ${name} ran again on attempt ${attempt}, after attempt ${recordedBy} recorded it`,
      );
    }
    if (this.stepRuns.has(`${key}@${attempt}`))
      this.violate(`job ${jobId}: step ${name} ran twice on attempt ${attempt}`);
    this.stepRuns.add(`${key}@${attempt}`);
  }

  private onCommit(commit: AppliedCommit): void {
    for (const change of commit.changes) {
      if (!change.path.startsWith(`${this.layout.jobs}/`)) continue;
      const id = change.path.slice(this.layout.jobs.length + 1);
      if (id.includes('/')) {
        // A job's step recorded (jobs/{id}/steps/{name}), by the attempt that ran it.
        const attempt = change.after?.attempt;
        if (change.after && !change.before && typeof attempt === 'number') {
          this.stepsRecorded.set(id.replace('/steps/', '/'), attempt);
        }
        continue;
      }
      const before = asJob(change.before);
      const after = asJob(change.after);
      if (before?.done && after && !isDeepStrictEqual(change.before, change.after)) {
        this.violate(`job ${id}: a done job was changed`);
      }
      if (after) this.checkShape(id, after);
      if (this.trace) this.traceChange(id, before, after, commit.time);
      if (after?.state === 'RUNNING' && before?.state !== 'RUNNING') {
        const ack = this.cancels.get(id);
        if (ack && after.attempts > ack.attempts) this.violate(`job ${id}: claimed after its cancel was acknowledged`);
      }
      // A suspended attempt claimed to go on (a continuation, a sleep's end): never after a cancel was acknowledged.
      if (before?.state === 'RUNNING' && before.leaseExpireTime == null && typeof after?.leaseExpireTime === 'number') {
        const ack = this.cancels.get(id);
        if (ack && ack.time < commit.time) this.violate(`job ${id}: went on after its cancel was acknowledged`);
      }
      if (before?.waiting === true && after?.waiting === false && !after.done) {
        this.checkDispatchOrder(id, before, commit);
      }
      if (after?.waiting === true && before?.waiting !== true) this.waitingSince.set(id, commit.time);
      if (before?.waiting === true && after?.waiting !== true) this.waitingSince.delete(id);
    }
    this.checkJoiningRanks(commit);
    this.checkSlots();
  }

  /** The jobs waiting in `pool` as they stood before `commit` (the commit's own changes taken back). */
  private waitingBefore(pool: string | undefined, commit: AppliedCommit): { id: string; job: Job }[] {
    const changed = new Map(commit.changes.map((change) => [change.path, change.before]));
    const out: { id: string; job: Job }[] = [];
    for (const doc of this.store.peekCollection(this.layout.jobs)) {
      const job = asJob(changed.has(doc.path) ? changed.get(doc.path) : doc.data);
      if (job?.waiting === true && job.pool === pool) out.push({ id: doc.id, job });
    }
    return out;
  }

  /** Invariants 5a and 5b: jobs joining the queue take their owner's next turns, or start at the current one. */
  private checkJoiningRanks(commit: AppliedCommit): void {
    const joining = new Map<string, { id: string; job: Job }[]>();
    for (const change of commit.changes) {
      const job = asJob(change.after);
      if (!change.path.startsWith(`${this.layout.jobs}/`) || job?.waiting !== true || asJob(change.before)?.waiting) {
        continue;
      }
      const key = `${job.pool ?? ''}\u0000${job.owner}`;
      joining.set(key, [...(joining.get(key) ?? []), { id: change.path.slice(this.layout.jobs.length + 1), job }]);
    }
    for (const jobs of joining.values()) {
      const { pool, owner } = jobs[0]?.job ?? {};
      const waiting = this.waitingBefore(pool, commit);
      const own = waiting.filter((other) => other.job.owner === owner);
      const ranks = [...own, ...jobs].map((entry) => entry.job.rank ?? 0);
      if (new Set(ranks).size < ranks.length) {
        this.violate(`${owner} has two waiting jobs at one rank (${ranks.join(', ')})`);
      }
      const others = waiting.filter((other) => other.job.owner !== owner);
      if (own.length > 0 || others.length === 0) continue;
      const lowest = Math.min(...others.map((other) => other.job.rank ?? 0));
      const first = Math.min(...jobs.map((entry) => entry.job.rank ?? 0));
      if (first > lowest + 1) {
        this.violate(`${owner}, with none waiting, joined at rank ${first}, behind the turn at ${lowest}`);
      }
    }
  }

  /** Invariant 5c: a job sent at rank r leaves no other owner's job it could see waiting below r − 1. */
  private checkDispatchOrder(id: string, sent: Job, commit: AppliedCommit): void {
    const rank = sent.rank ?? 0;
    for (const other of this.waitingBefore(sent.pool, commit)) {
      if (other.id === id || other.job.owner === sent.owner) continue;
      const seen = (this.waitingSince.get(other.id) ?? commit.time) < commit.time - DISPATCH_READ_SLACK_MS;
      if (seen && (other.job.rank ?? 0) < rank - 1) {
        this.violate(
          `job ${id} of ${sent.owner} sent at rank ${rank} while ${other.id} of ${other.job.owner} waits at ${other.job.rank}`,
        );
      }
    }
  }

  /** One line of the trace for a change of a job: made (waiting at its rank, or sent), sent, ended, deleted. */
  private traceChange(id: string, before: Job | undefined, after: Job | undefined, time: number): void {
    const say = (what: string) => this.trace?.(`t=${time} ${id} ${(after ?? before)?.owner ?? ''} ${what}`);
    if (!before && after)
      say(after.waiting ? `made, waiting at rank ${after.rank ?? '?'}` : `made in slot ${after.slot ?? '?'}`);
    else if (before?.waiting && after?.waiting === false && !after.done) {
      say(`sent from rank ${before.rank ?? '?'} to slot ${after.slot ?? '?'}`);
    } else if (after && before && after.state !== before.state) say(`${before.state} → ${after.state}`);
    else if (before && !after) say('deleted');
  }

  /** Invariant 1: a job not done waits for a stated reason. */
  private checkShape(id: string, job: Job): void {
    const bad = (why: string) => this.violate(`job ${id}: ${job.state} ${why}`);
    if (job.done) {
      if (job.slot !== null && job.slot !== undefined) bad('done but holds a slot');
      if (job.waiting === true) bad('done but waiting');
      return;
    }
    if (job.state === 'CREATED' && job.waiting === true) {
      if (job.waitReason !== 'capacity' || typeof job.rank !== 'number' || job.slot !== null)
        bad('waits without a rank');
    } else if (job.state === 'CREATED') {
      const parked = job.slot === null && (job.waitReason === 'retry-backoff' || job.waitReason === 'scheduled');
      if ((typeof job.slot !== 'number' && !parked) || typeof job.dispatchTime !== 'number') {
        bad('neither sent (a slot and a time) nor waiting out a backoff (a time)');
      }
    } else if (job.state === 'RUNNING' && job.leaseExpireTime == null) {
      // Suspended between invocations: parked until its time, waiting in the queue, or sent to go on.
      const queued = job.waiting === true && job.waitReason === 'capacity' && typeof job.rank === 'number';
      const parked = job.slot === null && (job.waitReason === 'sleep' || job.waitReason === 'continue') && !job.claimId;
      const sent = typeof job.slot === 'number' && job.waiting === false && typeof job.dispatchTime === 'number';
      if (!queued && !(parked && typeof job.dispatchTime === 'number') && !sent) bad('suspended for no stated reason');
    } else if (job.state === 'RUNNING') {
      if (typeof job.slot !== 'number' || typeof job.leaseExpireTime !== 'number' || !job.claimId) {
        bad('runs without a slot, a lease or a claim');
      }
    } else {
      bad('is not done in a terminal state');
    }
  }

  /** Invariant 4: held slots and the jobs holding them agree. */
  private checkSlots(): void {
    const holders = new Map<string, string[]>();
    for (const doc of this.store.peekCollection(this.layout.jobs)) {
      const job = asJob(doc.data);
      if (!job || job.done || typeof job.slot !== 'number') continue;
      const key = `${job.pool ?? ''}/${job.slot}`;
      holders.set(key, [...(holders.get(key) ?? []), doc.id]);
    }
    for (const pool of this.pools) {
      for (const doc of this.store.peekCollection(this.layout.slots(pool))) {
        const { index, held } = doc.data as { index: number; held: boolean };
        const key = `${pool}/${index}`;
        const jobs = holders.get(key) ?? [];
        holders.delete(key);
        if (jobs.length > 1) this.violate(`slot ${key} is held by ${jobs.join(', ')}`);
        if (held && jobs.length === 0 && !this.leaked.has(key)) this.violate(`slot ${key} is held by no job`);
        if (!held && jobs.length > 0) this.violate(`slot ${key} is free but ${jobs.join(', ')} holds it`);
        if (!held) this.leaked.delete(key);
      }
    }
    for (const [key, jobs] of holders) this.violate(`${jobs.join(', ')} holds slot ${key}, which has no document`);
  }

  /** The checks at rest: every job done (or deleted), no slot held, no handler running. */
  atRest(): void {
    for (const doc of this.store.peekCollection(this.layout.jobs)) {
      const job = asJob(doc.data);
      if (job && !job.done) this.violate(`at rest: job ${doc.id} is ${job.state}, not done`);
    }
    for (const pool of this.pools) {
      for (const doc of this.store.peekCollection(this.layout.slots(pool))) {
        if ((doc.data as { held?: boolean }).held) this.violate(`at rest: slot ${doc.path} is still held`);
      }
    }
    for (const run of this.runs) {
      if (run.stop === undefined) this.violate(`at rest: attempt ${run.attempt} of job ${run.jobId} still runs`);
    }
  }
}
