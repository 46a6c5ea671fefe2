import type { Millis } from '../../core/job';

/**
 * Each owner's places for requests that wait on a job (one document per owner in Firestore): a place is a token and
 * the time it expires, so a place its request never gave back (its instance died) counts only until then.
 */
export class WaitPlaces {
  private readonly byOwner = new Map<string, Map<string, Millis>>();

  /** The owner's places, token → expiry. */
  placesOf(owner: string): ReadonlyMap<string, Millis> {
    return new Map(this.byOwner.get(owner));
  }

  /** The tokens of the owner's places that expired by `now`. */
  expiredBy(owner: string, now: Millis): string[] {
    return [...(this.byOwner.get(owner) ?? [])].filter(([, expireAt]) => expireAt <= now).map(([token]) => token);
  }

  /** How many places the owner holds. */
  heldBy(owner: string): number {
    return this.byOwner.get(owner)?.size ?? 0;
  }

  /** When the owner's place under `token` expires; undefined if there is none. */
  expiryOf(owner: string, token: string): Millis | undefined {
    return this.byOwner.get(owner)?.get(token);
  }

  add(owner: string, token: string, expireAt: Millis): void {
    let places = this.byOwner.get(owner);
    if (!places) this.byOwner.set(owner, (places = new Map<string, Millis>()));
    places.set(token, expireAt);
  }

  remove(owner: string, token: string): void {
    const places = this.byOwner.get(owner);
    places?.delete(token);
    if (places?.size === 0) this.byOwner.delete(owner);
  }
}
