/**
 * @async-jobs/contract: everything that crosses the wire between the functions and their clients, as types only
 * (no code), so a change on one side breaks the other's build, not production.
 *
 * @module @async-jobs/contract
 */
export type { JobDocument, JobProgress, JobStepDocument, WaitReason } from './job-document';
export type { JobError, JobErrorCode } from './job-error';
export type { JobState, TerminalJobState } from './job-state';
export type { ApiErrorBody, JobOperation, ListJobsResponse, OperationError } from './operation';
export type {
  AdminJobRequest,
  AdminRetryJobResponse,
  CancelJobRequest,
  CancelJobResponse,
  CreateJobRequest,
  CreateJobResponse,
  CreateJobsRequest,
  CreateJobsResponse,
  SignalJobRequest,
  SignalJobResponse,
} from './requests';
export type { SentJob, TaskMessageData } from './task-message';
export type { TaskInput, TaskResult, TaskType, TaskTypeEntry, TaskTypes } from './tasks';
