import { seededRandom, type RandomSource } from '../../library/src/testing/seeded-random';

/** Independent seeded streams, one per use, so a change in one part of the model does not shift another's draws. */
export class RandomStreams {
  private readonly streams = new Map<string, RandomSource>();

  constructor(private readonly seed: number) {}

  /** The stream named `name` (the same name gives the same sequence on every run with this seed). */
  stream(name: string): RandomSource {
    let stream = this.streams.get(name);
    if (!stream) {
      let hash = this.seed;
      for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
      stream = seededRandom(hash);
      this.streams.set(name, stream);
    }
    return stream;
  }
}

/** An exponentially distributed delay with mean `meanMs` (Poisson arrivals). */
export function exponentialMs(random: RandomSource, meanMs: number): number {
  return -Math.log(1 - random()) * meanMs;
}
