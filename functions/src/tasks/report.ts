import type { ReportApproval, ReportInput, ReportResult, ReportSignal } from '@async-jobs/app-tasks';
import { abortableDelay, defineTask } from '@async-jobs/functions';
import { z } from 'zod';

/** The signal the report waits for, and how long it waits for it. */
export const REPORT_APPROVAL: ReportSignal = 'approval';
export const APPROVAL_TIMEOUT_SECONDS = 3600;

/** The schema of @async-jobs/app-tasks' ReportInput (`satisfies` keeps the two the same shape). */
export const reportInput = z.strictObject({
  sections: z.number().int().min(1).max(20),
  sectionSeconds: z.number().min(1).max(60),
  pauseSeconds: z.number().min(0).max(3600),
}) satisfies z.ZodType<ReportInput>;

/**
 * A long job, the way `ctx.step`, `ctx.sleep` and `ctx.waitForSignal` make one: it writes `sections` sections, one
 * step each (a crash or a new invocation never writes one twice); one invocation may run 120 s and a section is
 * started only with 60 s left, so a report of more than about a minute and a half of sections goes on in new
 * invocations, at its owner's turn. It then sleeps `pauseSeconds` holding no instance and no slot, and waits up to an
 * hour for its owner's approval (the web app's Approve and Reject buttons, or `signalJob`) before it publishes.
 */
export const reportTask = defineTask({
  type: 'report',
  input: reportInput,
  timeoutSeconds: 120,
  stepTimeoutSeconds: 60,
  totalTimeoutSeconds: 2 * 24 * 60 * 60,
  signals: { [REPORT_APPROVAL]: z.strictObject({ approved: z.boolean() }) satisfies z.ZodType<ReportApproval> },
  async run(input: ReportInput, { step, sleep, waitForSignal, progress, signal }): Promise<ReportResult> {
    for (let n = 1; n <= input.sections; n++) {
      await step(`section-${n}`, async () => {
        await abortableDelay(input.sectionSeconds * 1000, signal);
        return { section: n, words: 250 * n };
      });
      progress((n / input.sections) * 90, `wrote section ${n} of ${input.sections}`);
    }
    await sleep('pause', input.pauseSeconds * 1000);
    progress(95, 'waiting for approval');
    const answer = await waitForSignal<ReportApproval>(REPORT_APPROVAL, { timeoutSeconds: APPROVAL_TIMEOUT_SECONDS });
    if (!answer.received) return { sections: input.sections, published: false, reason: 'no-answer' };
    if (!answer.payload.approved) return { sections: input.sections, published: false, reason: 'rejected' };
    await step('publish', () => Promise.resolve({ publishedAt: new Date().toISOString() }));
    progress(100, 'published');
    return { sections: input.sections, published: true };
  },
});
