import { abortableDelay, defineTask } from '@async-jobs/functions';
import { z } from 'zod';

/**
 * This app's own task: counts the words of a text and finds the longest one, reporting progress as it goes.
 * `msPerWord` slows it down on purpose (a stand-in for real work, such as a call per word), so a job lasts long
 * enough to watch and to cancel.
 */
export const countWords = defineTask({
  type: 'countWords',
  input: z.strictObject({
    text: z.string().min(1).max(5000),
    msPerWord: z.number().int().min(0).max(1000).default(0),
  }),
  result: z.strictObject({ words: z.number().int().min(0), longest: z.string() }),
  timeoutSeconds: 120,
  async run({ text, msPerWord }, { signal, progress }) {
    const words = text.split(/\s+/).filter(Boolean);
    let longest = '';
    for (const [index, word] of words.entries()) {
      if (msPerWord > 0) await abortableDelay(msPerWord, signal);
      if (word.length > longest.length) longest = word;
      progress(((index + 1) / words.length) * 100, `${index + 1} of ${words.length} words`);
    }
    return { words: words.length, longest };
  },
});
