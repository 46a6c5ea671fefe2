/**
 * Checked by the TypeScript compiler (`tsc -p test`, part of `npm run lint`), never run: defineTask accepts a
 * handler whose result is storable (StorableResult) and refuses one with a part Firestore cannot store or a client
 * cannot read back as it was. A `@ts-expect-error` whose line compiled would itself be an error, so loosening the
 * type fails the lint.
 */
import { z } from 'zod';
import { defineTask } from '../../library/src';

const input = z.strictObject({});

interface WordCount {
  words: number;
  longest: string;
  note?: string;
  perLine: readonly number[];
  nested: { flags: boolean[]; tag: 'a' | 'b' | null };
}

export const storable = [
  defineTask({ type: 'ok.string', input, run: () => Promise.resolve('done') }),
  defineTask({ type: 'ok.null', input, run: () => Promise.resolve(null) }),
  defineTask({
    type: 'ok.interface',
    input,
    run: (): Promise<WordCount> =>
      Promise.resolve({ words: 1, longest: 'a', perLine: [1], nested: { flags: [true], tag: 'a' } }),
  }),
  defineTask({ type: 'ok.tuple', input, run: () => Promise.resolve([1, 'two'] as const) }),
  defineTask({ type: 'ok.unknown', input, run: (): Promise<unknown> => Promise.resolve(JSON.parse('{}')) }),
];

export const unstorable = [
  // @ts-expect-error -- a Date is stored as a Timestamp and read back as one, not as the Date returned.
  defineTask({ type: 'no.date', input, run: () => Promise.resolve({ at: new Date() }) }),
  // @ts-expect-error -- Firestore stores no bigint.
  defineTask({ type: 'no.bigint', input, run: () => Promise.resolve({ count: 1n }) }),
  // @ts-expect-error -- nor a function.
  defineTask({ type: 'no.function', input, run: () => Promise.resolve({ callback: () => 1 }) }),
  // @ts-expect-error -- nor a Map (it would be stored as an empty map).
  defineTask({ type: 'no.map', input, run: () => Promise.resolve(new Map<string, number>()) }),
  // @ts-expect-error -- nor undefined where a value is required.
  defineTask({ type: 'no.undefined', input, run: () => Promise.resolve({ value: undefined as string | undefined }) }),
  // @ts-expect-error -- nor, deep in an array, a class instance with methods.
  defineTask({ type: 'no.instance', input, run: () => Promise.resolve({ items: [new URL('https://x.test')] }) }),
];
