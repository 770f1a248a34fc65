import { randomBytes } from 'node:crypto';
import { hash64 } from './hash64';
import { DedupeWindow } from './window';

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('hash64', () => {
  it('is deterministic, distinguishes near-identical keys and never yields (0, 0)', () => {
    expect(hash64('abc')).toEqual(hash64('abc'));
    const keys = ['', 'a', 'b', 'ab', 'ba', 'a\u0000', '\u0000a', 'aa', 'aaa', '\uffff', 'é', '😀'];
    const seen = new Set(keys.map((k) => hash64(k).join(':')));
    expect(seen.size).toBe(keys.length);
    for (const k of keys) expect(hash64(k)).not.toEqual([0, 0]);
  });

  it('spreads each 32-bit lane like a random function', () => {
    // For 200k keys, a random 32-bit function has ~4.7 colliding pairs per lane; a weak lane has many.
    const n = 200_000;
    const hi = new Set<number>();
    const lo = new Set<number>();
    for (let i = 0; i < n; i++) {
      const [a, b] = hash64(`0af7651916cd43dd8448eb211c80319c:${i.toString(16).padStart(16, '0')}`);
      hi.add(a);
      lo.add(b);
    }
    expect(n - hi.size).toBeLessThan(20);
    expect(n - lo.size).toBeLessThan(20);
  });
});

describe('DedupeWindow', () => {
  it('claimIds hashes id bytes exactly as claim hashes prefix + hex ids', () => {
    const a = new DedupeWindow();
    const b = new DedupeWindow();
    for (let i = 0; i < 2000; i++) {
      const trace = randomBytes(i % 7 === 0 ? 3 : 16);
      const span = randomBytes(8);
      const key = `s${trace.toString('hex')}${span.toString('hex')}`;
      expect(a.claimIds(0x73, trace, span, 1000 + i)).toBe(true);
      expect(b.claim(key, 1000 + i)).toBe(true);
      expect(a.has(key)).toBe(true);
      expect(b.claimIds(0x73, trace, span, 1000 + i)).toBe(false);
    }
    expect(Buffer.from(a.snapshot())).toEqual(Buffer.from(b.snapshot()));
  });

  it('claims a key once per window', () => {
    const w = new DedupeWindow({ windowMs: 8000, generations: 8 });
    expect(w.claim('trace:span', 500)).toBe(true);
    expect(w.claim('trace:span', 600)).toBe(false);
    expect(w.claim('other', 600)).toBe(true);
    expect(w.size).toBe(2);
    expect(w.has('trace:span')).toBe(true);
    expect(w.has('nope')).toBe(false);
  });

  it('forgets keys once the window has passed, never before', () => {
    const w = new DedupeWindow({ windowMs: 8000, generations: 8 });
    w.claim('a', 500); // generation 0 = [0, 1000)
    expect(w.claim('a', 500 + 8000)).toBe(false); // exactly windowMs later: still remembered
    expect(w.claim('a', 8999)).toBe(false); // generation 8: the 8 previous are live
    expect(w.claim('b', 8999)).toBe(true);
    expect(w.claim('a', 9000)).toBe(true); // generation 9 drops generation 0
    expect(w.size).toBe(2);
    // A big jump forgets everything at once.
    expect(w.claim('c', 1e9)).toBe(true);
    expect(w.size).toBe(1);
    expect(w.claim('b', 1e9)).toBe(true);
  });

  it('treats an earlier time as now (record times are not strictly monotonic)', () => {
    const w = new DedupeWindow({ windowMs: 8000, generations: 8 });
    w.claim('x', 50_000);
    expect(w.claim('y', 1000)).toBe(true);
    expect(w.claim('y', 50_000 + 7000)).toBe(false); // y was filed under generation 50
    expect(w.claim('y', 50_000 + 9000)).toBe(true);
  });

  it('releases a key so a retry can claim it', () => {
    const w = new DedupeWindow({ windowMs: 8000 });
    w.claim('k', 0);
    expect(w.release('k')).toBe(true);
    expect(w.size).toBe(0);
    expect(w.release('k')).toBe(false);
    expect(w.release('never')).toBe(false);
    expect(w.has('k')).toBe(false);
    expect(w.claim('k', 10)).toBe(true);
    expect(w.claim('k', 20)).toBe(false);
    w.claim('old', 20);
    w.claim('later', 20_000);
    expect(w.release('old')).toBe(false); // already expired
  });

  it('rejects a non-finite time, naming the key', () => {
    const w = new DedupeWindow();
    expect(() => w.claim('k', NaN)).toThrow('dedupe time must be a finite number, got NaN for k');
    w.claim('k', 0);
    expect(() => w.claim('k', NaN)).toThrow('got NaN for k');
    expect(() => w.claim('k', Infinity)).toThrow('finite');
  });

  it('drops the oldest generation early beyond maxKeys', () => {
    const w = new DedupeWindow({ windowMs: 8000, generations: 8, maxKeys: 100 });
    for (let i = 0; i < 60; i++) w.claim(`g0-${i}`, 100);
    for (let i = 0; i < 40; i++) w.claim(`g1-${i}`, 1100);
    expect(w.size).toBe(100);
    expect(w.evictedEarly).toBe(0);
    expect(w.claim('g1-new', 1200)).toBe(true);
    expect(w.evictedEarly).toBe(60);
    expect(w.size).toBe(41);
    expect(w.has('g0-0')).toBe(false);
    expect(w.has('g1-0')).toBe(true);
    expect(w.claim('g0-0', 1200)).toBe(true); // best effort: counted again
  });

  it('keeps the newest key when a single generation exceeds maxKeys', () => {
    const w = new DedupeWindow({ windowMs: 8000, maxKeys: 10 });
    for (let i = 0; i < 25; i++) {
      expect(w.claim(`k${i}`, 0)).toBe(true);
      expect(w.has(`k${i}`)).toBe(true);
      expect(w.size).toBeLessThanOrEqual(10);
    }
    expect(w.evictedEarly).toBe(20);
    expect(w.claim('k24', 0)).toBe(false);
  });

  it('agrees with a simple model through growth, rebuilds, rebases and releases', () => {
    const G = 4;
    const genMs = 1000;
    const w = new DedupeWindow({ windowMs: G * genMs, generations: G });
    const model = new Map<string, number>(); // key → generation of its claim
    const random = rng(7);
    let now = 0;
    let current = 0; // the window's "now": release does not move it, claims do
    const mismatches: string[] = [];
    for (let op = 0; op < 300_000; op++) {
      now += Math.floor(random() * 30); // ~ 4500 generations overall: many rebases of the 8-bit gens
      const key = `k${Math.floor(random() * 30_000)}`;
      const seen = model.get(key);
      if (random() < 0.05) {
        const liveInModel = seen !== undefined && seen >= current - G;
        if (w.release(key) !== liveInModel) mismatches.push(`release ${key} at op ${op}`);
        model.delete(key);
        continue;
      }
      current = Math.floor(now / genMs);
      const liveInModel = seen !== undefined && seen >= current - G;
      const claimed = w.claim(key, now);
      if (claimed === liveInModel) mismatches.push(`claim ${key} at op ${op}`);
      if (claimed) model.set(key, current);
    }
    expect(mismatches).toEqual([]);
    let live = 0;
    for (const g of model.values()) if (g >= current - G) live++;
    expect(w.size).toBe(live);
  });

  it('restores from a snapshot with the same keys, generations and counters', () => {
    const w = new DedupeWindow({ windowMs: 8000, generations: 8, maxKeys: 20_000 });
    const random = rng(42);
    const keys: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      const key = `${randomHex(random, 32)}:${randomHex(random, 16)}`;
      keys.push(key);
      w.claim(key, i / 4); // 15 s of claims: the first ones have expired
      if (i % 10 === 0) w.release(key);
    }
    expect(w.evictedEarly).toBeGreaterThan(0);
    const bytes = w.snapshot();
    const r = DedupeWindow.restore(bytes);
    expect(r.size).toBe(w.size);
    expect([r.windowMs, r.generations, r.maxKeys, r.evictedEarly]).toEqual([8000, 8, 20_000, w.evictedEarly]);
    const live = (d: DedupeWindow) => keys.map((k) => (d.has(k) ? '1' : '0')).join('');
    expect(live(r)).toBe(live(w));
    expect(Buffer.from(DedupeWindow.restore(r.snapshot()).snapshot()).length).toBe(bytes.length);
    // Both expire the same generations as time moves on.
    for (const t of [16_000, 19_000, 22_000, 30_000]) {
      const recent = keys.slice(-5000);
      const claims = (d: DedupeWindow) => recent.map((k) => (d.claim(k, t) ? '1' : '0')).join('');
      expect(claims(r)).toBe(claims(w));
      expect(r.size).toBe(w.size);
    }
    // Unaligned input (a view into a bigger buffer) works too.
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(DedupeWindow.restore(padded.subarray(3)).size).toBe(DedupeWindow.restore(bytes).size);
  });

  it('round-trips an empty window and rejects a damaged snapshot', () => {
    const empty = DedupeWindow.restore(new DedupeWindow({ windowMs: 1000 }).snapshot());
    expect(empty.size).toBe(0);
    expect(empty.windowMs).toBe(1000);
    expect(empty.claim('a', 5)).toBe(true);
    const bytes = new DedupeWindow().snapshot();
    expect(() => DedupeWindow.restore(bytes.subarray(0, 10))).toThrow('invalid dedupe snapshot (10 bytes)');
    const bad = Uint8Array.from(bytes);
    bad[0] = 0;
    expect(() => DedupeWindow.restore(bad)).toThrow('bad magic');
    const w = new DedupeWindow();
    w.claim('a', 0);
    expect(() => DedupeWindow.restore(w.snapshot().subarray(0, 70))).toThrow('key count 1 does not match');
  });

  it('has no false positives among 1M random span identities', () => {
    const w = new DedupeWindow({ windowMs: 600_000 });
    const ids = randomBytes(1_000_000 * 24);
    let duplicates = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const key = ids.toString('hex', i * 24, i * 24 + 24);
      if (!w.claim(key, i / 10)) duplicates++;
    }
    expect(duplicates).toBe(0);
    expect(w.size).toBe(1_000_000);
  });
});

function randomHex(random: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}
