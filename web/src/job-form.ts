// This project's task types (sleep, primes, report), which extend the contract's TaskTypes: createJob checks inputs by them.
import type {} from '@async-jobs/app-tasks';
import { createJob, type TaskType } from '@async-jobs/client';
import type { Functions } from 'firebase/functions';
import { describeCallError } from './format';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from index.html`);
  return found as T;
}

/**
 * The "Start a job" form: shows the field of the chosen task, calls createJob, and shows the server's refusal,
 * in words, next to the form.
 */
export function setUpJobForm(functions: Functions): void {
  const form = element<HTMLFormElement>('job-form');
  const type = element<HTMLSelectElement>('task-type');
  const error = element<HTMLParagraphElement>('form-error');
  const start = element<HTMLButtonElement>('start');
  const showFieldsOf = (task: string) => {
    for (const field of form.querySelectorAll<HTMLElement>('[data-task]')) field.hidden = field.dataset.task !== task;
  };
  type.addEventListener('change', () => showFieldsOf(type.value));
  showFieldsOf(type.value);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    start.disabled = true;
    const task = type.value as TaskType;
    // valueAsNumber is NaN for an empty or unreadable field; the server answers that with a clear message.
    const numberIn = (id: string) => element<HTMLInputElement>(id).valueAsNumber;
    const started =
      task === 'sleep'
        ? createJob(functions, 'sleep', { worktime: numberIn('worktime') })
        : task === 'report'
          ? createJob(functions, 'report', {
              sections: numberIn('sections'),
              sectionSeconds: numberIn('section-seconds'),
              pauseSeconds: numberIn('pause-seconds'),
            })
          : createJob(functions, 'primes', { below: numberIn('below') });
    started
      .catch((e: unknown) => {
        error.textContent = describeCallError(e);
      })
      .finally(() => {
        start.disabled = false;
      });
  });
}
