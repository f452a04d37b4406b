/**
 * Validation shared by the CLI and the library: the closest valid word for a
 * typo, and rejecting unknown keys in options objects (JavaScript callers get
 * no compile-time check, so `{ reuseport: true }` must not pass silently).
 * @module
 */
import { invalidArgType, invalidArgValue } from './errors';

/**
 * The candidate closest to `word` within edit distance 2 (Levenshtein; a
 * candidate differing only in letter case wins), or undefined.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const sameLetters = candidates.find((c) => c.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (dp[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = dp[i] as number[];
      const prev = dp[i - 1] as number[];
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return (dp[a.length] as number[])[b.length] as number;
}

/**
 * Throw ERR_INVALID_ARG_VALUE for the first own enumerable string key of
 * `obj` that is not in `allowed`, naming the closest valid key; symbol keys
 * are ignored. `obj` must be an object (ERR_INVALID_ARG_TYPE otherwise);
 * `name` is the argument's name in messages ('options').
 */
export function rejectUnknownKeys(obj: object, allowed: readonly string[], name: string): void {
  if (obj === null || typeof obj !== 'object') throw invalidArgType(name, 'of type object', obj);
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const near = closest(key, allowed);
    const valid = allowed.length ? `valid: ${allowed.join(', ')}` : 'it takes none';
    throw invalidArgValue(
      `${name}.${key}`,
      (obj as Record<string, unknown>)[key],
      `is not a known option${near ? `; did you mean '${name}.${near}'?` : ''} (${valid})`,
    );
  }
}

const typedArrayByteLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'byteLength')?.get as (this: Uint8Array) => number;

/**
 * The view's byte length through the intrinsic getter: not shadowed by the
 * object, and inlined where `buf.byteLength` on a Buffer is a generic
 * property load (Buffer.prototype is a dictionary-mode object).
 */
export function byteLengthOf(v: Uint8Array): number {
  return typedArrayByteLength.call(v);
}
