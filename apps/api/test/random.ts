// Seeded randomness for the tests: a test that draws random numbers draws them from here, and the
// seed is printed when one of its file's tests fails, so that the failure can be replayed with
// TEST_SEED=<seed>. Without TEST_SEED the seed is fixed, so runs repeat unless asked otherwise.
import { beforeEach } from "vitest";

const DEFAULT_SEED = 20_261_128;

export interface Random {
  readonly seed: number;
  /** A float in [0, 1), like Math.random(). */
  next(): number;
  /** An integer in [0, below). */
  below(below: number): number;
  /** A copy of `items` in a random order. */
  shuffled<T>(items: readonly T[]): T[];
}

/** Prints `variable=seed` when a test of the calling file fails (call at the top of the file). */
export function printSeedOnFailure(variable: string, seed: number): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(`replay with ${variable}=${seed}`));
  });
}

/** The test file's generator, seeded from TEST_SEED (call at the top of the file). */
export function seededRandom(): Random {
  const seed = Number(process.env.TEST_SEED ?? DEFAULT_SEED);
  if (!Number.isSafeInteger(seed)) throw new Error(`TEST_SEED must be an integer, not ${process.env.TEST_SEED}`);
  printSeedOnFailure("TEST_SEED", seed);
  // mulberry32: a tiny, well-mixed 32-bit generator, enough for test inputs.
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const below = (n: number) => Math.floor(next() * n);
  function shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = below(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
  return { seed, next, below, shuffled };
}
