import type { JobState, SentJob } from '@async-jobs/contract';
import type { Job, Millis } from '../job';
import {
  isLostRace,
  serverTime,
  type CommitResult,
  type StoredDocument,
  type Write,
  type WriteData,
} from '../ports/document-store';
import { isSameRequest } from '../request-identity';
import { fairRank } from '../scheduling/fair-queue';
import { bounded, read, transition, type Decision } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';
import { admits, countActiveJobs } from './admission';
import { jobAt, sentJob } from './job-record';
import { queueFront } from './pool-queue';
import { ownerTurnWrite, ownerTurnsOf, readOwnerTurn, turnsSince } from './owner-turns';
import { findFreeSlots, takeSlot, type FreeSlot } from './pool-slots';

/** A job to create: its id (random, or derived from the request's requestId), request and pool. */
export interface NewJob {
  id: string;
  type: string;
  input: Record<string, unknown>;
  requestId?: string;
  pool: string;
  /** When the job may start (a create with `delaySeconds`): it waits holding nothing until then. */
  dueAt?: Millis;
  /** The job this one retries (an operator's retry): recorded on the new job, the retried one is left as it is. */
  retryOf?: string;
}

/** A job a create made, or found made by an earlier try of the same request. */
export interface CreatedJob {
  id: string;
  type: string;
  state: JobState;
  /** Made before, by the same requestId. */
  existing: boolean;
  /** Set when the create gave the job a free slot: the job as sent, to publish to its pool's worker. */
  sent?: SentJob;
  /** The pool whose queue the job joined, when it waits for a slot. */
  waitingIn?: string;
  /** When the job is due, when it was created to start later: a timer is to wake it then. */
  dueAt?: Millis;
}

export type CreateJobsResult =
  | { kind: 'created'; jobs: CreatedJob[] }
  /** The owner has `active` jobs not done; the new ones would pass the limit. Nothing was written. */
  | { kind: 'quota-exceeded'; active: number }
  /**
   * A requestId made a job before for a different request. Found before any commit, nothing was written; a batch can
   * find it later (a racing create under the same requestId), after some of its jobs were committed.
   */
  | { kind: 'request-mismatch'; requestId: string };

export interface CreateSettings {
  /** The owner's limit of jobs not done. */
  maxActiveJobs: number;
  /** A pool's capacity: its worker slots. */
  capacity(pool: string): number;
  /** When the create gives up (the callable's own deadline comes soon after). */
  deadline: Millis;
  /**
   * A check of the caller made beside the create's first reads (the callable's revocation lookup): awaited before
   * anything is written, so a caller it refuses leaves nothing behind, and a create about to write throws its
   * refusal. An answer decided before any write (request-mismatch, quota-exceeded, a repeat whose jobs all exist)
   * returns without awaiting it: the caller awaits the check itself, and its refusal wins (the callable's
   * asLiveCreator).
   */
  writesAllowed?: Promise<void>;
}

/**
 * Jobs that take slots, per commit (two writes each), the commits of one round made at once: a commit fails whole
 * when a racing create or dispatch took any one of its slots, so small commits lose little to a race.
 */
const SLOTTED_PER_COMMIT = 20;
/**
 * The share of a create's time that rounds looking for free slots may take. The rest is for the jobs left waiting:
 * once a batch made some of its jobs it must make the others (the caller is not told of a half-made batch), and a
 * slot commit that waits on contended slots can take up to a store call's timeout.
 */
const SLOT_SHARE = 0.25;
/**
 * How long, at least, the jobs of a batch that made some already have to be queued, counted from when they start:
 * a batch that made part of its jobs is finished (the callable's own timeout is well past the create's deadline).
 */
const FINISH_SHARE = 0.5;
/** Jobs that wait, per commit, beside the owner's document: a whole batch (MAX_BATCH_JOBS) in one. */
const WAITING_PER_COMMIT = 500;

/**
 * A new job's document: CREATED, holding the slot it took, waiting in its pool's queue at `rank`, or scheduled: in no
 * queue and holding no slot until `dueAt`.
 */
function newJobData(
  owner: string,
  job: NewJob,
  placed: { slot: number } | { rank: number } | { dueAt: Millis },
): WriteData {
  const now = serverTime();
  const common = {
    owner,
    type: job.type,
    input: job.input,
    state: 'CREATED',
    done: false,
    attempts: 0,
    ...(job.requestId === undefined ? {} : { requestId: job.requestId }),
    ...(job.retryOf === undefined ? {} : { retryOf: job.retryOf }),
    pool: job.pool,
    createTime: now,
    updateTime: now,
    startTime: null,
    doneTime: null,
  };
  if ('dueAt' in placed) {
    return { ...common, rank: null, waiting: false, waitReason: 'scheduled', slot: null, dispatchTime: placed.dueAt };
  }
  return 'slot' in placed
    ? { ...common, rank: null, waiting: false, waitReason: null, slot: placed.slot, dispatchTime: now }
    : { ...common, rank: placed.rank, waiting: true, waitReason: 'capacity', slot: null, dispatchTime: null };
}

/** The job a create made, as its commit left it (for its message). */
function madeJob(owner: string, job: NewJob, commit: CommitResult, version: string, slot: number): CreatedJob {
  const made = { owner, input: job.input, pool: job.pool, attempts: 0, createTime: commit.time } as Job;
  return {
    id: job.id,
    type: job.type,
    state: 'CREATED',
    existing: false,
    sent: sentJob(made, version, commit.time, slot),
  };
}

/** A job found already made by a try of the same request (an earlier call, or a commit applied despite an error). */
function foundJob(doc: StoredDocument, existing: boolean): CreatedJob {
  const { id, job, version } = jobAt(doc);
  const sent =
    job.state === 'CREATED' && job.waiting === false && job.attempts === 0 && typeof job.dispatchTime === 'number'
      ? sentJob(job, version, job.dispatchTime, job.slot ?? null)
      : undefined;
  return {
    id,
    type: job.type,
    state: job.state,
    existing,
    ...(sent ? { sent } : {}),
    ...(job.waiting === true && job.pool ? { waitingIn: job.pool } : {}),
  };
}

/** The first of `jobs` whose id holds a job made by another request (same requestId, other type or input). */
function otherRequest(jobs: readonly NewJob[], docs: readonly (StoredDocument | undefined)[]): NewJob | undefined {
  return jobs.find((job, i) => {
    const doc = docs[i];
    return doc !== undefined && !isSameRequest(jobAt(doc).job, job);
  });
}

/** The answer for a requestId that made a job of another request. */
const requestMismatch = (job: NewJob) => ({ kind: 'request-mismatch', requestId: job.requestId ?? '' }) as const;

/**
 * Whether a round after a failed commit must read the jobs back: only if they may exist. A job without a requestId
 * has a random id no other create writes, and a commit whose precondition failed wrote nothing, so such jobs exist
 * only when a commit of this call failed otherwise (it may have been applied). A requestId's job may also have been
 * made by a racing repeat of the request.
 */
const mayExist = (jobs: readonly NewJob[], ownCommitMayHaveApplied: boolean) =>
  ownCommitMayHaveApplied || jobs.some((job) => job.requestId !== undefined);

/** What a create's first round reads for the jobs it makes at once: the owner's jobs not done, free slots per pool. */
interface FirstReads {
  active: number;
  free: Map<string, FreeSlot[]>;
}

/**
 * The count and, per pool, the search for as many free slots as `jobs` has there, at once. A pool's missing slot
 * documents are made only for a create that makes jobs (`made`: how many, once known) and that the count admits, once
 * the caller's check allows writes.
 */
function firstReads(
  access: StoreAccess,
  owner: string,
  jobs: readonly NewJob[],
  settings: CreateSettings,
  made: Promise<number>,
): Promise<FirstReads> {
  const { deadline } = settings;
  const perPool = new Map<string, number>();
  for (const job of jobs) perPool.set(job.pool, (perPool.get(job.pool) ?? 0) + 1);
  const counted = countActiveJobs(access, owner, deadline);
  const admitted = Promise.all([counted, made]).then(
    ([active, count]) => count > 0 && admits(active, count, settings.maxActiveJobs),
    () => false,
  );
  const searches = [...perPool].map(([pool, count]) =>
    findFreeSlots(access, pool, settings.capacity(pool), count, deadline, {
      admitted,
      ...(settings.writesAllowed ? { writesAllowed: settings.writesAllowed } : {}),
    }).then((free) => [pool, free] as const),
  );
  return Promise.all([counted, Promise.all(searches)]).then(([active, found]) => ({ active, free: new Map(found) }));
}

/**
 * Creates jobs for an owner (one, or a batch of up to 500), with one admission decision for all of them:
 *
 * 1. A requestId's job that exists answers a repeat (or refuses a different request under the same requestId).
 * 2. Admission: the owner's jobs not done plus the new ones within the limit (an aggregation count; see
 *    admission.ts), else nothing is written. The count and step 3's search for free slots run at once, beside step
 *    1's read (in a call with no job to start later), so every create saves a round trip. A refused create costs
 *    the count (one read), per pool the slot search (one or two queries, from a random index and wrapping around:
 *    one read each when no slot is free, one per free slot found) and, with requestIds, one read per job: a client
 *    hammering at its limit costs next to nothing.
 * 3. Each job that finds a free slot of its pool takes it in the same commit as its own create, and is due to be
 *    sent at once: no other read, no other document written. A free slot means nobody waits in the pool: a job's
 *    end hands its slot to the pool's next waiting job and frees it only when none waits (then looks again), so
 *    the queue is not jumped; slots a raised capacity adds, or the sweep frees, are the exception, until the
 *    sweep's next run fills them from the queue. A commit that loses its slots to a racing create or dispatch
 *    looks for free slots again (SLOT_ROUNDS in all).
 * 4. The rest wait, in rank order, in commits that also write the owner's document, fenced on its version: so
 *    the creates of one owner that wait are ordered, each seeing the jobs and ranks of those before it, and its
 *    jobs never share a rank however many it creates at once. Admission is counted again after that read, so it
 *    is exact for jobs that wait; jobs that found a free slot at once, racing each other, may pass the limit by at
 *    most the slots they took (docs/protocol.md).
 *
 * A job left waiting is sent by the dispatch that follows the create (the use case runs it), by the end of a job in
 * its pool, or by the sweep. Nothing is written before `settings.writesAllowed` resolves; the reads of steps 1 to 3
 * run meanwhile.
 */
export async function createJobs(
  access: StoreAccess,
  owner: string,
  jobs: readonly NewJob[],
  settings: CreateSettings,
): Promise<CreateJobsResult> {
  const { deadline } = settings;
  const startedAt = access.clock.now();
  const budget = Math.max(0, deadline - startedAt);
  const slotsUntil = startedAt + budget * SLOT_SHARE;
  const withRequestId = jobs.filter((job) => job.requestId !== undefined);
  const earlierRead =
    withRequestId.length === 0
      ? Promise.resolve([])
      : read(access, () => access.store.getAll(withRequestId.map((job) => access.layout.job(job.id))), deadline);
  // A call with no job to start later starts its first reads beside the read of its requestIds' jobs: a new request
  // is answered a round trip sooner, and a repeat of one whose jobs exist pays for a count and a slot search. Which
  // jobs are new is known once that read answers; until then no slot document is made (firstReads).
  const early = jobs.every((job) => job.dueAt === undefined)
    ? firstReads(
        access,
        owner,
        jobs,
        settings,
        // How many jobs the call makes: none when a requestId made another request's job.
        earlierRead.then((docs) => (otherRequest(withRequestId, docs) ? 0 : jobs.length - docs.filter(Boolean).length)),
      )
    : undefined;
  // Awaited below, unless the create is answered first (a requestId of another request, a store that failed).
  early?.catch(() => undefined);
  const earlier = await earlierRead;
  const existing = new Map<string, StoredDocument>();
  for (const [i, doc] of earlier.entries()) {
    const job = withRequestId[i];
    if (!doc || !job) continue;
    if (!isSameRequest(jobAt(doc).job, job)) return { kind: 'request-mismatch', requestId: job.requestId ?? '' };
    existing.set(job.id, doc);
  }
  const fresh = jobs.filter((job) => !existing.has(job.id));
  const results = new Map<string, CreatedJob>([...existing].map(([id, doc]) => [id, foundJob(doc, true)]));
  const scheduled = fresh.filter((job) => job.dueAt !== undefined);
  if (scheduled.length > 0) {
    const made = await createScheduled(access, owner, scheduled, settings);
    if (made.kind !== 'created') return made;
    for (const job of made.jobs) results.set(job.id, job);
  }
  const now = fresh.filter((job) => job.dueAt === undefined);
  if (now.length > 0) {
    const { active, free } = await (early ?? firstReads(access, owner, now, settings, Promise.resolve(now.length)));
    if (!admits(active, now.length, settings.maxActiveJobs)) return { kind: 'quota-exceeded', active };
    await settings.writesAllowed;
    const byPool = new Map<string, NewJob[]>();
    for (const job of now) byPool.set(job.pool, [...(byPool.get(job.pool) ?? []), job]);
    // Admission is counted again before the first jobs that wait, unless this call has made jobs already: then
    // the batch was admitted whole, and refusing its rest would leave what was made unreported.
    let madeAny = false;
    for (const [pool, poolJobs] of byPool) {
      const found = free.get(pool) ?? [];
      const left =
        found.length > 0
          ? await takeFreeSlots(access, owner, pool, poolJobs, found, { ...settings, slotsUntil }, results)
          : poolJobs;
      if (!Array.isArray(left)) return left;
      madeAny ||= left.length < poolJobs.length;
      for (let from = 0; from < left.length; from += WAITING_PER_COMMIT) {
        const chunk = left.slice(from, from + WAITING_PER_COMMIT);
        const queueBy = madeAny ? Math.max(deadline, access.clock.now() + budget * FINISH_SHARE) : deadline;
        const answer = await enqueue(access, owner, pool, chunk, { ...settings, deadline: queueBy }, !madeAny);
        if (answer.kind !== 'created') return answer;
        madeAny = true;
        for (const made of answer.jobs) results.set(made.id, made);
      }
    }
  }
  return { kind: 'created', jobs: jobs.flatMap((job) => results.get(job.id) ?? []) };
}

/**
 * Rounds of a create that look for free slots: after the first, each looks again for the jobs whose commit lost its
 * slots to a concurrent create or dispatch (creates arriving together pick the same few free slots), so a job waits
 * only when its pool has none free, not when another create took the one it read.
 */
const SLOT_ROUNDS = 3;

/**
 * Gives each job it can a free slot of the pool, in the commit that creates it (SLOTTED_PER_COMMIT jobs a commit):
 * first those found, then, for jobs whose commit lost its slots, free slots read again, until `slotsUntil`. Returns
 * the jobs left without one.
 * A requestId found to have made another request's job meanwhile (a racing create) answers request-mismatch.
 */
async function takeFreeSlots(
  access: StoreAccess,
  owner: string,
  pool: string,
  jobs: readonly NewJob[],
  found: readonly FreeSlot[],
  settings: CreateSettings & { slotsUntil: Millis },
  results: Map<string, CreatedJob>,
): Promise<NewJob[] | ReturnType<typeof requestMismatch>> {
  let pending = [...jobs];
  const waitAnyway: NewJob[] = [];
  let free = found;
  for (let round = 1; round <= SLOT_ROUNDS && free.length > 0 && pending.length > 0; round++) {
    const placed = pending.slice(0, free.length);
    const chunks: { jobs: NewJob[]; slots: FreeSlot[] }[] = [];
    for (let from = 0; from < placed.length; from += SLOTTED_PER_COMMIT) {
      chunks.push({
        jobs: placed.slice(from, from + SLOTTED_PER_COMMIT),
        slots: free.slice(from, from + SLOTTED_PER_COMMIT),
      });
    }
    const outcomes = await Promise.all(
      chunks.map((chunk) => createInSlots(access, owner, chunk.jobs, chunk.slots, settings.deadline)),
    );
    const raced: NewJob[] = [];
    for (const [i, made] of outcomes.entries()) {
      const chunk = chunks[i]?.jobs ?? [];
      if (made === 'raced') raced.push(...chunk);
      // Jobs whose commit failed for another reason wait (their commit is tried again there).
      else if (made === 'failed') waitAnyway.push(...chunk);
      else if (!Array.isArray(made)) return made;
      else for (const job of made) results.set(job.id, job);
    }
    pending = [...raced, ...pending.slice(free.length)];
    if (raced.length === 0 || round === SLOT_ROUNDS || access.clock.now() >= settings.slotsUntil) break;
    free = await findFreeSlots(access, pool, settings.capacity(pool), pending.length, settings.deadline);
  }
  return [...waitAnyway, ...pending];
}

/**
 * One commit of jobs each created in a free slot, bounded like every store call (a commit that hangs must not hold
 * the caller). When it was not made: 'raced' when its precondition failed (a slot was taken meanwhile: the caller
 * looks for free slots again), 'failed' for any other error (the jobs then wait instead). A commit that failed for
 * now may have been applied: the jobs are read back to tell. One whose precondition failed wrote nothing: jobs found
 * at these ids were made by a racing create under the same requestIds, which answers them (so they are found
 * `existing`, made by an earlier try, and this call neither reports nor sends them again), unless that create was
 * for another request; jobs without a requestId are not read back then (mayExist), so a lost slot costs no read.
 */
async function createInSlots(
  access: StoreAccess,
  owner: string,
  jobs: readonly NewJob[],
  slots: readonly FreeSlot[],
  deadline: Millis,
): Promise<CreatedJob[] | ReturnType<typeof requestMismatch> | 'raced' | 'failed'> {
  const writes: Write[] = jobs.flatMap((job, i) => {
    const slot = slots[i];
    return [
      { op: 'create', path: access.layout.job(job.id), data: newJobData(owner, job, { slot: slot.index }) },
      takeSlot(slot),
    ];
  });
  try {
    const commit = await bounded(access, () => access.store.commit(writes));
    return jobs.map((job, i) => madeJob(owner, job, commit, commit.versions[2 * i] ?? '', slots[i]?.index ?? 0));
  } catch (e) {
    const madeByOther = isLostRace(e);
    if (!mayExist(jobs, !madeByOther)) return 'raced';
    const [first] = await read(access, () => access.store.getAll([access.layout.job(jobs[0]?.id ?? '')]), deadline);
    if (!first) return madeByOther ? 'raced' : 'failed';
    const docs = await read(access, () => access.store.getAll(jobs.map((job) => access.layout.job(job.id))), deadline);
    const other = otherRequest(jobs, docs);
    if (other) return requestMismatch(other);
    return docs.flatMap((doc) => (doc ? [foundJob(doc, madeByOther)] : []));
  }
}

/**
 * Makes jobs that wait in the pool's queue: one commit of the jobs, each with its rank, and the owner's document,
 * fenced on its version (or created). A full round reads the owner's document first, then at once the queue's front,
 * the owner's last waiting rank and, while admission is checked (`checkAdmission`), the count of the owner's jobs, so a
 * concurrent create of the same owner either committed before that read (and is counted and ranked) or fails its fence
 * and is decided again after this one. A round after one that only lost its fence reads the owner's document and the
 * queue's front, at once: the document records what the owner's commits since the full round did (owner-turns.ts), the
 * jobs they made and the last rank they gave, so the count and the owner's ranks need not be read again (a full round
 * follows when that tally would refuse the create, so a job ended meanwhile is counted out). A round finds its own jobs
 * made when an earlier round's commit was applied despite an error; after rounds that only lost their fence, jobs
 * without a requestId are not read back (mayExist), so a create that loses to its owner's other creates pays only its
 * rounds.
 */
async function enqueue(
  access: StoreAccess,
  owner: string,
  pool: string,
  jobs: readonly NewJob[],
  settings: CreateSettings,
  checkAdmission: boolean,
): Promise<
  | { kind: 'created'; jobs: CreatedJob[] }
  | { kind: 'quota-exceeded'; active: number }
  | ReturnType<typeof requestMismatch>
> {
  const { deadline } = settings;
  const ownerPath = access.layout.owner(owner);
  type Answer =
    | { kind: 'created'; jobs: CreatedJob[] }
    | { kind: 'quota-exceeded'; active: number }
    | ReturnType<typeof requestMismatch>;
  let round = 0;
  let ownCommitMayHaveApplied = false;
  // What the last full round read: the owner's document, the count and the owner's last waiting rank.
  let full: Awaited<ReturnType<typeof readOwnerTurn>> | undefined;
  /** The ranks and the count, from the owner's document alone after a lost fence; undefined: read them again. */
  const afterLostFence = async () => {
    if (!full) return undefined;
    const [doc, front] = await Promise.all([
      read(access, () => access.store.get(ownerPath), deadline),
      queueFront(access, pool, deadline),
    ]);
    const turns = ownerTurnsOf(doc);
    const made = turnsSince(full.turns, turns, pool);
    const active = full.active + made.queued;
    if (checkAdmission && !admits(active, jobs.length, settings.maxActiveJobs)) return undefined;
    const last = made.lastRank === undefined ? full.last : Math.max(full.last ?? made.lastRank, made.lastRank);
    return { turns, active, front, last };
  };
  const fullRound = async () => {
    full = await readOwnerTurn(access, owner, pool, checkAdmission, deadline);
    return full;
  };
  return transition<Answer>(
    access,
    async (): Promise<Decision<Answer>> => {
      round += 1;
      if (round > 1 && mayExist(jobs, ownCommitMayHaveApplied)) {
        const made = await read(
          access,
          () => access.store.getAll(jobs.map((job) => access.layout.job(job.id))),
          deadline,
        );
        // A racing create under the same requestId made another request's job here.
        const other = otherRequest(jobs, made);
        if (other) return { answer: requestMismatch(other) };
        if (made.every((doc) => doc !== undefined)) {
          // Made by this call only if one of its commits may have been applied (it failed for now); a commit whose
          // precondition failed wrote nothing, so the jobs are a racing repeat's, under the same requestIds.
          return { answer: { kind: 'created', jobs: made.map((doc) => foundJob(doc, !ownCommitMayHaveApplied)) } };
        }
      }
      const decided = (await afterLostFence()) ?? (await fullRound());
      if (checkAdmission && !admits(decided.active, jobs.length, settings.maxActiveJobs)) {
        return { answer: { kind: 'quota-exceeded', active: decided.active } };
      }
      const first = fairRank(decided.front, decided.last);
      const writes: Write[] = [
        ownerTurnWrite(ownerPath, decided.turns, pool, first + jobs.length - 1, jobs.length),
        ...jobs.map((job, i): Write => ({
          op: 'create',
          path: access.layout.job(job.id),
          data: newJobData(owner, job, { rank: first + i }),
        })),
      ];
      return {
        writes,
        answer: () => ({
          kind: 'created',
          jobs: jobs.map((job) => ({ id: job.id, type: job.type, state: 'CREATED', existing: false, waitingIn: pool })),
        }),
      };
    },
    deadline,
    (e) => {
      if (isLostRace(e)) return;
      // Applied or not, the count and the ranks are read again.
      ownCommitMayHaveApplied = true;
      full = undefined;
    },
  );
}

/**
 * Makes jobs created to start later (`delaySeconds`): admitted against the owner's limit like any (they count as
 * not done from now), each CREATED in no queue and holding no slot, due at its `dueAt` (`waitReason: scheduled`), in
 * one commit. A timer, set by the use case, puts each in its pool's queue at its owner's turn once due
 * (protocol/resume.ts). The count runs beside the check of the caller (`settings.writesAllowed`), which the commit
 * waits for. A commit that failed for now may have been applied: the jobs read back tell.
 */
async function createScheduled(
  access: StoreAccess,
  owner: string,
  jobs: readonly NewJob[],
  settings: CreateSettings,
): Promise<
  | { kind: 'created'; jobs: CreatedJob[] }
  | { kind: 'quota-exceeded'; active: number }
  | ReturnType<typeof requestMismatch>
> {
  type Answer =
    | { kind: 'created'; jobs: CreatedJob[] }
    | { kind: 'quota-exceeded'; active: number }
    | ReturnType<typeof requestMismatch>;
  const { deadline } = settings;
  let round = 0;
  let ownCommitMayHaveApplied = false;
  const made = (job: NewJob): CreatedJob => ({
    id: job.id,
    type: job.type,
    state: 'CREATED',
    existing: false,
    ...(job.dueAt === undefined ? {} : { dueAt: job.dueAt }),
  });
  return transition<Answer>(
    access,
    async (): Promise<Decision<Answer>> => {
      round += 1;
      if (round > 1 && mayExist(jobs, ownCommitMayHaveApplied)) {
        const docs = await read(access, () => access.store.getAll(jobs.map((j) => access.layout.job(j.id))), deadline);
        const other = otherRequest(jobs, docs);
        if (other) return { answer: requestMismatch(other) };
        if (docs.every((doc) => doc !== undefined)) {
          return {
            answer: {
              kind: 'created',
              jobs: jobs.map((job) => ({ ...made(job), existing: !ownCommitMayHaveApplied })),
            },
          };
        }
      }
      const active = await countActiveJobs(access, owner, deadline);
      if (!admits(active, jobs.length, settings.maxActiveJobs)) return { answer: { kind: 'quota-exceeded', active } };
      await settings.writesAllowed;
      const writes: Write[] = jobs.map((job) => ({
        op: 'create',
        path: access.layout.job(job.id),
        data: newJobData(owner, job, { dueAt: job.dueAt ?? access.clock.now() }),
      }));
      return { writes, answer: () => ({ kind: 'created', jobs: jobs.map(made) }) };
    },
    deadline,
    (e) => {
      if (!isLostRace(e)) ownCommitMayHaveApplied = true;
    },
  );
}
