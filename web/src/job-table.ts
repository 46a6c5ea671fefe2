import { cancelJob, signalJob, watchMyJobs, type JobWithId } from '@async-jobs/client';
import type { Firestore } from 'firebase/firestore';
import type { Functions } from 'firebase/functions';
import { describeCallError, elapsedMs, formatDuration, outcomeText, stepsText, waitText } from './format';

function cell(label: string, ...children: (Node | string)[]): HTMLTableCellElement {
  const td = document.createElement('td');
  td.dataset.label = label;
  td.append(...children);
  return td;
}

function span(className: string, text: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  return s;
}

/** The signal the web app can answer: the `report` task's approval (ReportApproval). */
const APPROVAL_SIGNAL = 'approval';

/** What the page does for a row's buttons. */
interface RowActions {
  cancel(id: string): void;
  approve(id: string, approved: boolean): void;
}

function button(text: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

/** One job's row; every value is set as text, never as HTML. */
function jobRow(job: JobWithId, on: RowActions): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.jobId = job.id;
  row.dataset.state = job.state;

  const badge = span('badge', job.state);
  badge.dataset.state = job.state;

  const percent = job.state === 'COMPLETED' ? 100 : (job.progress?.percent ?? 0);
  const bar = document.createElement('progress');
  bar.max = 100;
  bar.value = percent;
  bar.setAttribute('aria-label', `Progress of job ${job.id}: ${Math.round(percent)}%`);
  const progressCell = cell('Progress', bar);
  if (job.progress?.message) progressCell.append(document.createElement('br'), span('muted', job.progress.message));
  const steps = stepsText(job);
  if (steps) progressCell.append(document.createElement('br'), span('muted steps', steps));
  const waiting = waitText(job, Date.now());
  if (waiting) progressCell.append(document.createElement('br'), span('muted wait', waiting));

  const elapsed = span('elapsed', formatDuration(elapsedMs(job, Date.now())));

  const actions = cell('Actions');
  if (!job.done && job.waitReason === 'signal' && job.currentStep === APPROVAL_SIGNAL) {
    actions.append(
      button('Approve', `Approve job ${job.id}`, () => on.approve(job.id, true)),
      ' ',
      button('Reject', `Reject job ${job.id}`, () => on.approve(job.id, false)),
      ' ',
    );
  }
  if (!job.done) {
    const cancel = button(job.cancelRequested ? 'Cancelling…' : 'Cancel', `Cancel job ${job.id}`, () =>
      on.cancel(job.id),
    );
    cancel.disabled = job.cancelRequested === true;
    actions.append(cancel);
  }

  row.append(
    cell('Job', span('job-id', job.id.slice(0, 8)), document.createElement('br'), span('muted', job.type)),
    cell('State', badge, ...(job.attempts > 1 ? [' ', span('muted', `attempt ${job.attempts}`)] : [])),
    progressCell,
    cell('Elapsed', elapsed),
    cell('Result or error', outcomeText(job)),
    actions,
  );
  return row;
}

/**
 * The live table of the user's jobs: rendered from watchMyJobs' snapshots (the page never polls); a one-second
 * clock only advances the elapsed times on screen.
 */
export function setUpJobTable(firestore: Firestore, functions: Functions, uid: string): () => void {
  const table = document.getElementById('jobs') as HTMLTableElement;
  const body = table.tBodies[0];
  const empty = document.getElementById('jobs-empty') as HTMLElement;
  const error = document.getElementById('jobs-error') as HTMLElement;
  let jobs: JobWithId[] = [];

  const showError = (e: unknown) => {
    error.textContent = describeCallError(e);
  };
  const actions: RowActions = {
    cancel(id) {
      error.textContent = '';
      cancelJob(functions, id).catch(showError);
    },
    approve(id, approved) {
      error.textContent = '';
      signalJob(functions, id, APPROVAL_SIGNAL, { approved }).catch(showError);
    },
  };
  const render = () => {
    body.replaceChildren(...jobs.map((job) => jobRow(job, actions)));
    table.hidden = jobs.length === 0;
    empty.hidden = jobs.length > 0;
  };
  const tick = setInterval(() => {
    for (const job of jobs) {
      if (job.done) continue;
      const elapsed = body.querySelector(`tr[data-job-id="${job.id}"] .elapsed`);
      if (elapsed) elapsed.textContent = formatDuration(elapsedMs(job, Date.now()));
    }
  }, 1000);
  const unsubscribe = watchMyJobs(
    firestore,
    uid,
    (latest) => {
      jobs = latest;
      render();
    },
    {
      limit: 20,
      onError: (e) => {
        error.textContent = `Live updates stopped (${e.code}); reload the page.`;
      },
    },
  );
  return () => {
    clearInterval(tick);
    unsubscribe();
  };
}
