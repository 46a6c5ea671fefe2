/**
 * The testing kit (`@async-jobs/functions/testing`): TestEnvironment, which runs an app's own tasks through the real
 * job protocol in simulated time with no emulator; and its parts, the document store in memory (with faults and
 * simulated processes) and the simulated clock, to run the protocol's core in tests and simulations. Nothing the
 * deployed functions run imports it.
 */
export {
  MemoryDocumentStore,
  type AppliedCommit,
  type DocumentChange,
  type MemoryDocumentStoreOptions,
} from './memory-document-store';
export type { DocumentStoreStats } from './document-store-stats';
export { DocumentWriteLog, type BusiestDocument } from './document-write-log';
export {
  FaultyDocumentStore,
  type CallDescription,
  type Fault,
  type FaultRule,
  type FiredFault,
  type RandomFaults,
  type ReadCall,
  type StoreCall,
} from './faulty-document-store';
export { processStore } from './process-document-store';
export { SimulatedClock, SIMULATION_EPOCH, type RunLimit, type SimulatedClockOptions } from './simulated-clock';
export { immortalCaller, SimulatedProcess, type Caller } from './simulated-process';
export { autoId, randomUuid, seededRandom, type RandomSource } from './seeded-random';
export { MemoryJobQueue, type DuplicateOptions, type PublishLoss, type QueuedMessage } from './memory-job-queue';
export { MemoryJobLog, type JobLogEvent, type LoggedEvent } from './memory-job-log';
export { MemoryJobTimers, type SetTimer, type WakeConsumer } from './memory-job-timers';
export { TestEnvironment, type TestEnvironmentOptions, type WorkerRun } from './test-environment';
