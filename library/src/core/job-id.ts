/**
 * Whether `id` can name a job document under Firestore's rules for document ids: not empty, no '/', not '.' or
 * '..', not `__…__` (reserved), at most 1,500 bytes of UTF-8. Any other id is refused by Firestore itself with
 * INVALID_ARGUMENT, so a caller's id is checked here first and, when it cannot name a document, answered as a
 * job that does not exist.
 */
export function isJobId(id: string): boolean {
  return (
    id !== '' &&
    !id.includes('/') &&
    id !== '.' &&
    id !== '..' &&
    !/^__.*__$/s.test(id) &&
    Buffer.byteLength(id, 'utf8') <= 1500
  );
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random 20-character id (as Firestore's auto-ids) from `random` in [0, 1): seeded in simulations. */
export function randomId(random: () => number): string {
  let id = '';
  for (let i = 0; i < 20; i++) id += ID_ALPHABET.charAt(Math.floor(random() * ID_ALPHABET.length));
  return id;
}
