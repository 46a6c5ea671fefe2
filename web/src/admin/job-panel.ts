import type { AdminRetryJobResponse, CancelJobResponse } from '@async-jobs/contract';
import type { JobWithId } from '@async-jobs/client';
import type { Firestore } from 'firebase/firestore';
import { httpsCallable, type Functions } from 'firebase/functions';
import { describeCallError } from '../format';
import { watchAnyJob, watchRetries, watchSteps, type JobStep, type Unsubscribe } from './console-store';
import { documentJson, jobHistory } from './job-history';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The states an operator's retry starts from (the functions refuse any other with failed-precondition). */
const RETRYABLE = new Set(['FAILED', 'CANCELLED']);

function jobLink(id: string, select: (id: string) => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'link-button';
  b.textContent = id;
  b.setAttribute('aria-label', `Show job ${id}`);
  b.addEventListener('click', () => select(id));
  return b;
}

function actionButton(text: string, onClick: () => Promise<void>): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.addEventListener('click', () => {
    b.disabled = true; // one call per click: a second would be refused or find the same retry
    void onClick().finally(() => (b.disabled = false));
  });
  return b;
}

/**
 * The selected job, any user's: its document, history, steps and retries, each followed by a listener, and the
 * operator's Cancel (a job not done) and Retry (a FAILED or CANCELLED job) through the admin callables. A retry
 * selects the new job, so the operator watches it run.
 */
export class JobPanel {
  private stops: Unsubscribe[] = [];
  private retries: string[] = [];
  private job: JobWithId | undefined;
  private steps: JobStep[] = [];

  constructor(
    private readonly db: Firestore,
    private readonly functions: Functions,
  ) {
    byId<HTMLFormElement>('job-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const id = byId<HTMLInputElement>('job-id').value.trim();
      if (id) this.select(id);
    });
  }

  /** Follows job `id` instead of the one shown. */
  select(id: string): void {
    this.stop();
    byId<HTMLInputElement>('job-id').value = id;
    byId('job-action-error').textContent = '';
    this.job = undefined;
    this.steps = [];
    this.retries = [];
    const failed = (e: { code: string }) =>
      (byId('job-action-error').textContent = `Live updates stopped (${e.code}); show the job again.`);
    this.stops = [
      watchAnyJob(this.db, id, (job) => this.show(id, job), failed),
      watchSteps(this.db, id, (steps) => ((this.steps = steps), this.render()), failed),
      watchRetries(this.db, id, (retries) => ((this.retries = retries), this.render()), failed),
    ];
  }

  stop(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
  }

  private show(id: string, job: JobWithId | undefined): void {
    this.job = job;
    byId('job-missing').hidden = job !== undefined;
    byId('job-detail').hidden = job === undefined;
    if (!job) byId('job-missing').textContent = `No job ${id}.`;
    this.render();
  }

  private render(): void {
    const job = this.job;
    if (!job) return;
    const select = (id: string) => this.select(id);
    const detail = byId('job-detail');
    detail.dataset.jobId = job.id;
    detail.dataset.state = job.state;
    const state = byId('job-state');
    state.textContent = job.state;
    state.dataset.state = job.state;
    byId('job-title').textContent = `${job.id} · ${job.type} · owner ${job.owner} · attempts ${job.attempts}`;

    const actions: HTMLButtonElement[] = [];
    if (!job.done) actions.push(actionButton('Cancel', () => this.call('adminCancelJob', job.id)));
    if (RETRYABLE.has(job.state)) actions.push(actionButton('Retry', () => this.call('adminRetryJob', job.id)));
    byId('job-actions').replaceChildren(...actions);

    const links: (Node | string)[] = [];
    if (job.retryOf) links.push('Retry of ', jobLink(job.retryOf, select), '. ');
    if (this.retries.length > 0) {
      links.push('Retried by ');
      for (const [i, retry] of this.retries.entries()) links.push(...(i > 0 ? [', '] : []), jobLink(retry, select));
      links.push('.');
    }
    byId('job-links').replaceChildren(...links);

    byId('job-history').replaceChildren(
      ...jobHistory(job).map((entry) => {
        const li = document.createElement('li');
        li.textContent = `${entry.time === undefined ? '' : `${new Date(entry.time).toLocaleTimeString()} `}${entry.text}`;
        return li;
      }),
    );
    byId('job-steps-empty').hidden = this.steps.length > 0;
    byId('job-steps').replaceChildren(
      ...this.steps.map((step) => {
        const li = document.createElement('li');
        li.textContent = `${step.id} (attempt ${step.attempt}): ${JSON.stringify(step.result)}`;
        return li;
      }),
    );
    byId('job-document').textContent = documentJson(job);
  }

  private async call(name: 'adminCancelJob' | 'adminRetryJob', id: string): Promise<void> {
    byId('job-action-error').textContent = '';
    try {
      const answer = await httpsCallable<{ id: string }, CancelJobResponse | AdminRetryJobResponse>(
        this.functions,
        name,
      )({ id });
      if (name === 'adminRetryJob') this.select(answer.data.id);
    } catch (e) {
      byId('job-action-error').textContent = describeCallError(e);
    }
  }
}
