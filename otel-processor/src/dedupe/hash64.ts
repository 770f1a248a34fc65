/**
 * A fast 64-bit hash of a dedupe key string, as two 32-bit lanes computed in one pass.
 *
 * The string is consumed as 32-bit words of two UTF-16 code units (lossless for any string). Lane A is
 * the MurmurHash3 (x86_32) body and finalizer; lane B is the xxHash32 single-accumulator round and
 * avalanche. The two lanes use different constants *and* different round structures, so a pair of keys
 * colliding in one lane is no more likely than chance to collide in the other; together they behave like
 * a 64-bit hash for non-adversarial keys (trace/span ids, stream identities). Not cryptographic: someone
 * able to choose keys could build collisions, but a client that can send OTLP can send fake spans anyway.
 *
 * The algorithm is part of the dedupe snapshot format ({@link HASH_ID}); changing it needs a new id.
 *
 * @packageDocumentation
 */

/** Identifies this hash function in snapshots. */
export const HASH_ID = 1;

/** Where {@link hash64Into} writes its result (two signed 32-bit integers, never both zero). */
export interface Hash64 {
  hi: number;
  lo: number;
}

// Module-level alias: under jest's vm sandbox every `Math.…` is a slow global lookup.
const imul = Math.imul;
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f;

/**
 * Hashes `key` into `out` (no allocation: this runs once per claimed span or data point).
 * `(0, 0)` is reserved for empty hash-table slots, so it is mapped to `(0, 1)`.
 */
export function hash64Into(key: string, out: Hash64): void {
  const n = key.length;
  let a = 0x2f6b8a1d ^ n;
  let b = (0x165667b1 + n) | 0;
  let i = 0;
  for (const end = n - 1; i < end; i += 2) {
    const w = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16);
    let k = imul(w, C1);
    k = imul((k << 15) | (k >>> 17), C2);
    a ^= k;
    a = (imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
    b = (b + imul(w, P2)) | 0;
    b = imul((b << 13) | (b >>> 19), P1);
  }
  if (i < n) {
    const w = key.charCodeAt(i);
    let k = imul(w, C1);
    a ^= imul((k << 15) | (k >>> 17), C2);
    k = (b + imul(w, P3)) | 0;
    b = imul((k << 17) | (k >>> 15), P4);
  }
  // MurmurHash3 fmix32.
  a ^= n;
  a ^= a >>> 16;
  a = imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  // xxHash32 avalanche.
  b ^= b >>> 15;
  b = imul(b, P2);
  b ^= b >>> 13;
  b = imul(b, P3);
  b ^= b >>> 16;
  out.hi = a | 0;
  out.lo = (a | b) === 0 ? 1 : b | 0;
}

/** Lowercase hex digits as char codes. */
const HEX_CODES = Uint16Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
let idChars = new Uint16Array(64);

/** PAIR_WORDS[(lo << 4) | hi]: the 32-bit word of hex digit `lo` followed by hex digit `hi` (two code units). */
const PAIR_WORDS = Int32Array.from(
  { length: 256 },
  (_, i) => HEX_CODES[i >>> 4]! | (HEX_CODES[i & 15]! << 16),
);

/**
 * {@link hash64Into} of the string `String.fromCharCode(prefix) + hex(a) + hex(b)` (lowercase hex), computed
 * from the bytes without building the string: the same hash, so snapshots stay compatible. The string's
 * 32-bit words (pairs of code units) straddle bytes — (prefix, hi₀), (lo₀, hi₁), …, then lo of the last byte
 * alone — so each word comes from one table lookup.
 */
export function hash64IdsInto(prefix: number, a: Uint8Array, b: Uint8Array, out: Hash64): void {
  const bytes = a.length + b.length;
  if (bytes === 0) {
    hash64IdsIntoByCodes(prefix, a, b, out);
    return;
  }
  // n = 1 + 2 × bytes code units: `bytes` whole words, then one code unit. Each word is mixed into both
  // lanes as soon as it is known (no intermediate array: this runs once per span).
  const n = 1 + 2 * bytes;
  let ha = 0x2f6b8a1d ^ n;
  let hb = (0x165667b1 + n) | 0;
  const x0 = a.length > 0 ? a[0]! : b[0]!;
  let word = (prefix & 0xffff) | (HEX_CODES[x0 >>> 4]! << 16);
  let lo = (x0 & 15) << 4;
  let m: number;
  m = imul(word, C1);
  m = imul((m << 15) | (m >>> 17), C2);
  ha ^= m;
  ha = (imul((ha << 13) | (ha >>> 19), 5) + 0xe6546b64) | 0;
  hb = (hb + imul(word, P2)) | 0;
  hb = imul((hb << 13) | (hb >>> 19), P1);
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    word = PAIR_WORDS[lo | (x >>> 4)]!;
    lo = (x & 15) << 4;
    m = imul(word, C1);
    m = imul((m << 15) | (m >>> 17), C2);
    ha ^= m;
    ha = (imul((ha << 13) | (ha >>> 19), 5) + 0xe6546b64) | 0;
    hb = (hb + imul(word, P2)) | 0;
    hb = imul((hb << 13) | (hb >>> 19), P1);
  }
  for (let i = a.length > 0 ? 0 : 1; i < b.length; i++) {
    const x = b[i]!;
    word = PAIR_WORDS[lo | (x >>> 4)]!;
    lo = (x & 15) << 4;
    m = imul(word, C1);
    m = imul((m << 15) | (m >>> 17), C2);
    ha ^= m;
    ha = (imul((ha << 13) | (ha >>> 19), 5) + 0xe6546b64) | 0;
    hb = (hb + imul(word, P2)) | 0;
    hb = imul((hb << 13) | (hb >>> 19), P1);
  }
  const last = HEX_CODES[lo >>> 4]!;
  m = imul(last, C1);
  ha ^= imul((m << 15) | (m >>> 17), C2);
  m = (hb + imul(last, P3)) | 0;
  hb = imul((m << 17) | (m >>> 15), P4);
  finish(ha, hb, n, out);
}

/**
 * The reference form of {@link hash64IdsInto} (builds the code units, then hashes them): tests compare the two.
 * {@link hash64Into} of the string `String.fromCharCode(prefix) + hex(a) + hex(b)` (lowercase hex), computed
 * from the bytes without building the string: the same hash, so snapshots stay compatible.
 */
export function hash64IdsIntoByCodes(prefix: number, a: Uint8Array, b: Uint8Array, out: Hash64): void {
  const n = 1 + 2 * (a.length + b.length);
  if (idChars.length < n) idChars = new Uint16Array(2 * n);
  const c = idChars;
  c[0] = prefix;
  let k = 1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    c[k++] = HEX_CODES[x >>> 4]!;
    c[k++] = HEX_CODES[x & 15]!;
  }
  for (let i = 0; i < b.length; i++) {
    const x = b[i]!;
    c[k++] = HEX_CODES[x >>> 4]!;
    c[k++] = HEX_CODES[x & 15]!;
  }
  hashCodes(c, n, out);
}

/** The body of {@link hash64Into} over `n` UTF-16 code units in `codes`. */
function hashCodes(codes: Uint16Array, n: number, out: Hash64): void {
  let a = 0x2f6b8a1d ^ n;
  let b = (0x165667b1 + n) | 0;
  let i = 0;
  for (const end = n - 1; i < end; i += 2) {
    const w = codes[i]! | (codes[i + 1]! << 16);
    let k = imul(w, C1);
    k = imul((k << 15) | (k >>> 17), C2);
    a ^= k;
    a = (imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
    b = (b + imul(w, P2)) | 0;
    b = imul((b << 13) | (b >>> 19), P1);
  }
  if (i < n) {
    const w = codes[i]!;
    let k = imul(w, C1);
    a ^= imul((k << 15) | (k >>> 17), C2);
    k = (b + imul(w, P3)) | 0;
    b = imul((k << 17) | (k >>> 15), P4);
  }
  a ^= n;
  a ^= a >>> 16;
  a = imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  b ^= b >>> 15;
  b = imul(b, P2);
  b ^= b >>> 13;
  b = imul(b, P3);
  b ^= b >>> 16;
  out.hi = a | 0;
  out.lo = (a | b) === 0 ? 1 : b | 0;
}

/** Convenience form of {@link hash64Into}: `[hi, lo]` as unsigned 32-bit integers. */
export function hash64(key: string): [number, number] {
  const out = { hi: 0, lo: 0 };
  hash64Into(key, out);
  return [out.hi >>> 0, out.lo >>> 0];
}

/** The finalizers of {@link hash64Into} (lanes `a` and `b` after the body, `n` code units). */
function finish(a: number, b: number, n: number, out: Hash64): void {
  a ^= n;
  a ^= a >>> 16;
  a = imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  b ^= b >>> 15;
  b = imul(b, P2);
  b ^= b >>> 13;
  b = imul(b, P3);
  b ^= b >>> 16;
  out.hi = a | 0;
  out.lo = (a | b) === 0 ? 1 : b | 0;
}
