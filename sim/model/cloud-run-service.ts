import type { SimulatedClock } from '../../library/src/testing/simulated-clock';
import type { SimulatedProcess } from '../../library/src/testing/simulated-process';

/** How a push request to the service ended, as Pub/Sub sees it. */
export type RequestOutcome =
  /** The function returned: Pub/Sub acknowledges the message. */
  | 'ok'
  /** No instance took it within the queueing time: Cloud Run answers 429. */
  | 'rejected'
  /** The instance died mid-request (a crash): the request fails. */
  | 'crashed';

/** What the model of the worker's Cloud Run service is given. */
export interface CloudRunSettings {
  /** The function's maxInstances. */
  maxInstances: number;
  /** Requests one instance serves at once. */
  concurrency: number;
  /** The time a new instance takes before it serves its first request. */
  coldStartMs: number;
  /** How long a request waits for a free instance before Cloud Run answers 429 (about 10 s). */
  queueTimeoutMs: number;
}

/** Counts of what the service did. */
export interface ServiceStats {
  requests: number;
  rejected: number;
  crashed: number;
  coldStarts: number;
  /** The most requests in flight at once (never above maxInstances x concurrency). */
  peakInFlight: number;
}

interface QueuedRequest {
  start: () => void;
  cancelTimeout: () => void;
}

/**
 * Cloud Run in front of the worker, as far as a burst sees it: at most maxInstances x concurrency requests run at
 * once; a request that finds none free waits in a queue for up to about 10 s, then is answered 429. Instances start
 * on demand, each paying a cold start once. Each request runs in a simulated process of its own, which a crash
 * kills mid-request (with everything it had in flight).
 */
export class CloudRunService {
  readonly stats: ServiceStats = { requests: 0, rejected: 0, crashed: 0, coldStarts: 0, peakInFlight: 0 };
  private inFlight = 0;
  private instancesStarted = 0;
  private readonly queue: QueuedRequest[] = [];

  constructor(
    private readonly clock: SimulatedClock,
    private readonly settings: CloudRunSettings,
  ) {}

  private get slots(): number {
    return this.settings.maxInstances * this.settings.concurrency;
  }

  /**
   * One push request, whose function body is `work`, run in a process of its own (its promise settles when the
   * function returns; never, if the process was killed): resolves with how the request ended.
   */
  request(work: (process: SimulatedProcess) => Promise<void>): Promise<RequestOutcome> {
    this.stats.requests += 1;
    return new Promise((resolve) => {
      const run = () => this.run(work, resolve);
      if (this.inFlight < this.slots) {
        run();
        return;
      }
      const queued: QueuedRequest = {
        start: run,
        cancelTimeout: this.clock.setTimer(this.settings.queueTimeoutMs, () => {
          const index = this.queue.indexOf(queued);
          if (index >= 0) this.queue.splice(index, 1);
          this.stats.rejected += 1;
          resolve('rejected');
        }),
      };
      this.queue.push(queued);
    });
  }

  private run(work: (process: SimulatedProcess) => Promise<void>, resolve: (outcome: RequestOutcome) => void): void {
    this.inFlight += 1;
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.inFlight);
    const coldStart = this.instancesStarted < Math.ceil(this.inFlight / this.settings.concurrency);
    if (coldStart) {
      this.instancesStarted += 1;
      this.stats.coldStarts += 1;
    }
    const process = this.clock.process();
    let settled = false;
    const end = (outcome: RequestOutcome) => {
      if (settled) return;
      settled = true;
      if (outcome === 'crashed') this.stats.crashed += 1;
      this.inFlight -= 1;
      resolve(outcome);
      const next = this.queue.shift();
      if (next) {
        next.cancelTimeout();
        next.start();
      }
    };
    process.onKill(() => end('crashed'));
    this.clock.setTimer(coldStart ? this.settings.coldStartMs : 0, () => {
      work(process).then(
        () => end('ok'),
        () => end('crashed'),
      );
    });
  }
}
