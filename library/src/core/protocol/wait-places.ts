import type { Millis } from '../job';
import { deleteField, type StoreValue } from '../ports/document-store';
import { isLostRace, StoreError } from '../ports/document-store';
import { bounded, read, transition, type Decision } from '../store/store-calls';
import type { StoreAccess } from '../store/store-access';

/** The owner's document as the `:wait` places use it: token → epoch ms at which the place lapses. */
function waitsOf(data: { readonly [field: string]: StoreValue } | undefined): Record<string, number> {
  const waits = data?.waits;
  if (typeof waits !== 'object' || waits === null || Array.isArray(waits)) return {};
  return Object.fromEntries(
    Object.entries(waits as Record<string, StoreValue>).flatMap(([token, lapses]) =>
      typeof lapses === 'number' ? [[token, lapses]] : [],
    ),
  );
}

/**
 * Takes one of the owner's `maxWaits` places for a request that waits on a job (the HTTP API's `:wait`) until
 * `expireAt`, under `token`; false when all are taken. The places are a map on the owner's document, written back
 * whole, fenced on the read, so the limit is exact; a place whose request never gave it back (its instance died)
 * counts until it lapses (a place lapsing at `now` no longer counts), and the next take drops it.
 */
export function acquireWaitPlace(
  access: StoreAccess,
  owner: string,
  token: string,
  expireAt: Millis,
  maxWaits: number,
  deadline: Millis,
): Promise<boolean> {
  const path = access.layout.owner(owner);
  return transition<boolean>(
    access,
    async (): Promise<Decision<boolean>> => {
      const doc = await read(access, () => access.store.get(path), deadline);
      const now = access.clock.now();
      const live = Object.fromEntries(Object.entries(waitsOf(doc?.data)).filter(([, lapses]) => lapses > now));
      // Already there: this take's own write, applied although it reported an error.
      if (live[token] === expireAt) return { answer: true };
      if (Object.keys(live).length >= maxWaits) return { answer: false };
      const waits = { ...live, [token]: expireAt };
      return {
        writes: [
          doc
            ? { op: 'update', path, data: { waits }, ifVersion: doc.version }
            : { op: 'create', path, data: { waits } },
        ],
        answer: () => true,
      };
    },
    deadline,
  );
}

/** Gives back the place `acquireWaitPlace` took under `token` (nothing if the owner has no document). */
export async function releaseWaitPlace(access: StoreAccess, owner: string, token: string): Promise<void> {
  try {
    await bounded(access, () =>
      access.store.commit([
        { op: 'update', path: access.layout.owner(owner), data: { [`waits.${token}`]: deleteField() } },
      ]),
    );
  } catch (e) {
    // No owner document: no place to give back.
    if (!(e instanceof StoreError && isLostRace(e))) throw e;
  }
}
