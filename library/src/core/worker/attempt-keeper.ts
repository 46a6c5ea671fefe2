import type { JobProgress } from '@async-jobs/contract';
import type { Millis } from '../job';
import type { JobLog } from '../ports/job-log';
import type { Attempt, AttemptWrite } from '../protocol/attempt';
import { writeHeartbeat } from '../protocol/attempt-writes';
import type { StoreAccess } from '../store/store-access';
import type { WorkerTimings } from './worker-timings';

/**
 * Keeps a claimed attempt's lease while the job is its worker's: a heartbeat every `leaseRenewalMs` after the last
 * lease write (a progress write moves the lease too), one write at a time. And a watchdog: when the lease comes
 * within `abortGraceMs` of lapsing without a renewal (renewals failing or hanging, or an event loop that was
 * blocked), `onLeaseAtRisk` stops the handler, so it has stopped before the sweep can take the job back and start
 * another attempt: no two attempts of a job run their handlers at once.
 */
export class AttemptKeeper {
  private chain: Promise<unknown> = Promise.resolve();
  private cancelRenewal: () => void = () => undefined;
  private cancelWatchdog: () => void = () => undefined;
  private stopped = false;
  private atRisk = false;

  constructor(
    private readonly access: StoreAccess,
    private readonly at: Attempt,
    private readonly timings: WorkerTimings,
    private readonly log: JobLog,
    private readonly onLeaseAtRisk: () => void,
  ) {}

  /** Starts the heartbeats and the watchdog, from the claim's lease. */
  start(): void {
    this.armRenewal();
    this.armWatchdog();
  }

  /** Whether the watchdog fired: the lease could not be kept. */
  get leaseAtRisk(): boolean {
    return this.atRisk;
  }

  private armRenewal(): void {
    this.cancelRenewal();
    if (this.stopped) return;
    this.cancelRenewal = this.access.clock.setTimer(this.timings.leaseRenewalMs, () => {
      void this.heartbeat(undefined);
    });
  }

  private armWatchdog(): void {
    this.cancelWatchdog();
    if (this.stopped) return;
    const riskAt = this.at.leaseExpireTime - this.timings.abortGraceMs;
    this.cancelWatchdog = this.access.clock.setTimer(riskAt - this.access.clock.now(), () => {
      if (this.stopped || this.at.ended) return;
      this.atRisk = true;
      this.onLeaseAtRisk();
    });
  }

  /**
   * Writes a heartbeat (with the progress, if given) after those before it; renews the lease to `leaseMs` from now.
   * A write refused because the attempt was superseded stops the handler as a lapsing lease does.
   */
  heartbeat(progress: JobProgress | undefined): Promise<AttemptWrite | undefined> {
    return this.inTurn(
      (leaseExpireTime, deadline) => writeHeartbeat(this.access, this.at, leaseExpireTime, progress, deadline),
      (e) => {
        // A progress write is a lease renewal too: both failed, and the progress is not written again.
        if (progress) this.log.progressWriteFailed(this.at.id, e);
        this.log.leaseRenewalFailed(this.at.id, e);
      },
    );
  }

  /**
   * Another write of the attempt that renews its lease (a step's), in turn with the heartbeats: `write` gets the
   * lease to write and its deadline. Rejects with what the write threw; resolves undefined once the attempt is over.
   */
  write(
    write: (leaseExpireTime: Millis, deadline: Millis) => Promise<AttemptWrite>,
  ): Promise<AttemptWrite | undefined> {
    let failure: { error: unknown } | undefined;
    return this.inTurn(write, (e) => (failure = { error: e })).then((written) => {
      if (failure) throw failure.error;
      return written;
    });
  }

  /** Runs an attempt write after those before it, renewing the lease as it succeeds; `onError` hears a failure. */
  private inTurn(
    write: (leaseExpireTime: Millis, deadline: Millis) => Promise<AttemptWrite>,
    onError: (e: unknown) => void,
  ): Promise<AttemptWrite | undefined> {
    const next = this.chain.then(async () => {
      if (this.stopped || this.at.ended) return undefined;
      try {
        const written = await write(this.access.clock.now() + this.timings.leaseMs, this.leaseDeadline());
        if (written.written) {
          this.armRenewal();
          this.armWatchdog();
        } else if (!this.at.ended && !this.stopped) {
          this.atRisk = true;
          this.onLeaseAtRisk();
        }
        return written;
      } catch (e) {
        onError(e);
        this.armRenewal(); // the next renewal tries again; the watchdog stays set on the lease as last written
        return undefined;
      }
    });
    this.chain = next;
    return next;
  }

  /** A heartbeat is of no use once the lease it would renew has lapsed. */
  private leaseDeadline(): Millis {
    return Math.max(this.access.clock.now() + 1, this.at.leaseExpireTime);
  }

  /** Waits for the heartbeats in flight. */
  async settle(): Promise<void> {
    await this.chain;
  }

  /** Stops heartbeats and the watchdog (the attempt's end is written, or given up). */
  stop(): void {
    this.stopped = true;
    this.cancelRenewal();
    this.cancelWatchdog();
  }
}
