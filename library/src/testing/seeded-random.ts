/** A source of numbers uniform in [0, 1), as Math.random gives them. */
export type RandomSource = () => number;

/**
 * A seeded generator (mulberry32): the same seed gives the same sequence, so job ids and claim ids, and with them
 * every ordering that depends on them, are the same on every run of a test or a simulation.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AUTO_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An id shaped like a Firestore auto-id: 20 characters of [A-Za-z0-9]. */
export function autoId(random: RandomSource): string {
  let id = '';
  for (let i = 0; i < 20; i++) id += AUTO_ID_ALPHABET.charAt(Math.floor(random() * AUTO_ID_ALPHABET.length));
  return id;
}

/** A random id shaped like a version 4 UUID (what the Firestore adapter's claimId is), from `random`. */
export function randomUuid(random: RandomSource): string {
  const hex = (count: number) => Array.from({ length: count }, () => Math.floor(random() * 16).toString(16)).join('');
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}
