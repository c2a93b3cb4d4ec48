import {
  estimateJaccard,
  isNovel,
  LshIndex,
  minhashSignature,
  signatureFromBytes,
  signatureToBytes,
} from './minhash';

/** Deterministic PRNG in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tok = (template: string) => template.split(' ');
const sig = (template: string) => minhashSignature(tok(template));

/** The feature set the signature is defined over: single tokens and bigrams of the constant tokens. */
function features(tokens: string[], shingle = 2): Set<string> {
  const kept = tokens.filter(t => t !== '<*>');
  const out = new Set<string>();
  for (let i = 0; i < kept.length; i++) {
    out.add(`1\u0000${kept[i]}`);
    if (shingle > 1 && i + shingle <= kept.length) {
      out.add(`${shingle}\u0000${kept.slice(i, i + shingle).join('\u0000')}`);
    }
  }
  return out;
}

function exactJaccard(a: string[], b: string[]): number {
  const fa = features(a);
  const fb = features(b);
  let shared = 0;
  for (const f of fa) if (fb.has(f)) shared++;
  const union = fa.size + fb.size - shared;
  return union === 0 ? 1 : shared / union;
}

const DB_RETRIES = 'Failed to connect to database <*> after <*> retries';
const DB_ATTEMPTS = 'Failed to connect to database <*> after <*> attempts';
const USER_LOGIN = 'User <*> logged in from <*>';

const KNOWN: Record<string, string> = {
  'db-retries': DB_RETRIES,
  login: USER_LOGIN,
  'http-request': 'GET <*> HTTP/1.1 <*> <*> ms',
  'cache-miss': 'Cache miss for key <*> in region <*>',
  'gc-pause': 'GC pause young generation took <*> ms heap <*> MB',
  'kafka-lag': 'Consumer group <*> lag on partition <*> is <*> messages',
  'pod-restart': 'Back-off restarting failed container <*> in pod <*>',
  'tls-handshake':
    'TLS handshake error from <*> : remote error : bad certificate',
};

describe('minhashSignature', () => {
  it('gives identical signatures and similarity 1 for identical token lists', () => {
    const a = sig(DB_RETRIES);
    const b = minhashSignature([...tok(DB_RETRIES)]);
    expect(a).toBeInstanceOf(Uint32Array);
    expect(a).toHaveLength(64);
    expect(b).toEqual(a);
    expect(estimateJaccard(a, b)).toBe(1);
    for (const v of a) expect(v).toBeLessThan(2 ** 31 - 1);
  });

  it('honours numHashes, shingle and seed deterministically', () => {
    const tokens = tok(DB_RETRIES);
    expect(minhashSignature(tokens, { numHashes: 128 })).toHaveLength(128);
    expect(minhashSignature(tokens, { seed: 7 })).toEqual(
      minhashSignature(tokens, { seed: 7 }),
    );
    expect(
      estimateJaccard(
        minhashSignature(tokens, { seed: 7 }),
        minhashSignature(tokens, { seed: 8 }),
      ),
    ).toBeLessThan(0.2);
    expect(minhashSignature(tokens, { shingle: 3 })).not.toEqual(
      minhashSignature(tokens),
    );
    // A prefix of the default signature family is the signature of fewer hashes.
    expect(minhashSignature(tokens, { numHashes: 16 })).toEqual(
      minhashSignature(tokens).subarray(0, 16),
    );
  });

  it('is pinned to fixed values, so signatures agree across processes and releases', () => {
    const tokens = tok('Connection to <*> failed');
    expect(Array.from(minhashSignature(tokens, { numHashes: 4 }))).toEqual([
      15436715, 523834428, 225130922, 177059424,
    ]);
    expect(
      Array.from(minhashSignature(tokens, { numHashes: 4, seed: 42 })),
    ).toEqual([515813911, 185948857, 757482172, 143062741]);
  });

  it('estimates Jaccard within 0.15 of the exact Jaccard of the feature sets', () => {
    const pairs: Array<[string, string]> = [
      [DB_RETRIES, DB_ATTEMPTS],
      [DB_RETRIES, 'Failed to connect to cache <*> after <*> retries'],
      [DB_RETRIES, 'Connected to database <*> after <*> retries'],
      [USER_LOGIN, 'User <*> logged out from <*>'],
      [USER_LOGIN, 'Admin user <*> logged in from <*> via SSO'],
      [
        'GC pause young generation took <*> ms heap <*> MB',
        'GC pause old generation took <*> ms heap <*> MB',
      ],
      [
        'Consumer group <*> lag on partition <*> is <*> messages',
        'Producer <*> send failed on partition <*> after <*> messages',
      ],
      [DB_RETRIES, USER_LOGIN],
      [
        'request <*> completed with status <*> in <*> ms',
        'request <*> failed with status <*> in <*> ms',
      ],
    ];
    const misses: string[] = [];
    for (const [x, y] of pairs) {
      const exact = exactJaccard(tok(x), tok(y));
      const estimate = estimateJaccard(sig(x), sig(y));
      if (Math.abs(estimate - exact) > 0.15) {
        misses.push(`${x} | ${y}: estimate ${estimate} vs exact ${exact}`);
      }
    }
    expect(misses).toEqual([]);
  });

  it('estimates Jaccard without bias over random token lists', () => {
    const rand = mulberry32(1234);
    const vocab = Array.from({ length: 30 }, (_, i) => `w${i}`);
    const errors: number[] = [];
    for (let k = 0; k < 300; k++) {
      const a = Array.from(
        { length: 5 + Math.floor(rand() * 15) },
        () => vocab[Math.floor(rand() * vocab.length)],
      );
      const b = a.map(t =>
        rand() < 0.3 ? vocab[Math.floor(rand() * vocab.length)] : t,
      );
      errors.push(
        estimateJaccard(minhashSignature(a), minhashSignature(b)) -
          exactJaccard(a, b),
      );
    }
    const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
    const rms = Math.sqrt(
      errors.reduce((s, e) => s + e * e, 0) / errors.length,
    );
    const within = errors.filter(e => Math.abs(e) <= 0.15).length;
    // The standard error of a 64-slot estimate is at most sqrt(0.25 / 64) = 0.0625.
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(rms).toBeLessThan(0.075);
    expect(within / errors.length).toBeGreaterThan(0.95);
  });

  it('ignores variable positions of otherwise equal templates', () => {
    const base = sig('Connection to <*> failed');
    expect(sig('Connection to <*> <*> failed')).toEqual(base);
    expect(sig('<*> Connection to <*> failed <*>')).toEqual(base);
    expect(sig('Connection to failed')).toEqual(base);
    expect(sig('Connection from <*> failed')).not.toEqual(base);
    expect(sig('failed Connection to <*>')).not.toEqual(base);
  });

  it('gives templates without constant tokens the empty signature', () => {
    const empty = minhashSignature(['<*>', '<*>'], { numHashes: 8 });
    expect(Array.from(empty)).toEqual(new Array(8).fill(0xffffffff));
    expect(minhashSignature([], { numHashes: 8 })).toEqual(empty);
    expect(estimateJaccard(empty, sig(DB_RETRIES).subarray(0, 8))).toBe(0);
  });

  it('handles long templates', () => {
    const long = Array.from({ length: 500 }, (_, i) => `t${i % 97}`);
    const a = minhashSignature(long);
    expect(minhashSignature([...long])).toEqual(a);
    expect(estimateJaccard(a, sig(DB_RETRIES))).toBeLessThan(0.1);
  });

  it('rejects bad options', () => {
    expect(() => minhashSignature(['a'], { numHashes: 0 })).toThrow(
      /numHashes/,
    );
    expect(() => minhashSignature(['a'], { numHashes: 1.5 })).toThrow(
      /numHashes/,
    );
    expect(() => minhashSignature(['a'], { shingle: 0 })).toThrow(/shingle/);
    expect(() => minhashSignature(['a'], { seed: 0.5 })).toThrow(/seed/);
  });
});

describe('estimateJaccard', () => {
  it('counts equal slots and rejects mismatched lengths', () => {
    expect(
      estimateJaccard(
        new Uint32Array([1, 2, 3, 4]),
        new Uint32Array([1, 0, 3, 0]),
      ),
    ).toBe(0.5);
    expect(() =>
      estimateJaccard(new Uint32Array(4), new Uint32Array(8)),
    ).toThrow(/differ in length/);
  });
});

describe('LshIndex', () => {
  function knownIndex(): LshIndex {
    const index = new LshIndex();
    for (const [id, template] of Object.entries(KNOWN))
      index.add(id, sig(template));
    return index;
  }

  it('finds a near duplicate and leaves out unrelated templates', () => {
    const index = knownIndex();
    expect(index.size).toBe(Object.keys(KNOWN).length);
    expect(index.rows).toBe(4);
    const candidates = index.candidates(sig(DB_ATTEMPTS));
    expect(candidates).toContain('db-retries');
    expect(candidates).not.toContain('login');
    expect(index.candidates(sig(USER_LOGIN))).toEqual(['login']);
    expect(index.candidates(sig('User <*> logged out from <*>'))).not.toContain(
      'db-retries',
    );
    const nearest = index.nearest(sig(DB_ATTEMPTS));
    expect(nearest?.id).toBe('db-retries');
    expect(nearest!.similarity).toBeGreaterThanOrEqual(0.5);
    expect(index.nearest(sig(DB_RETRIES))).toEqual({
      id: 'db-retries',
      similarity: 1,
    });
  });

  it('rarely makes candidates of dissimilar pairs and nearly always of similar ones', () => {
    const rand = mulberry32(2024);
    const vocab = Array.from({ length: 40 }, (_, i) => `word${i}`);
    const template = (length: number) =>
      Array.from({ length }, () => vocab[Math.floor(rand() * vocab.length)]);

    let dissimilar = 0;
    let falseCandidates = 0;
    while (dissimilar < 200) {
      const a = template(6 + Math.floor(rand() * 10));
      const b = template(6 + Math.floor(rand() * 10));
      if (exactJaccard(a, b) >= 0.2) continue;
      dissimilar++;
      const index = new LshIndex({ numHashes: 64, bands: 16 });
      index.add('a', minhashSignature(a));
      if (index.candidates(minhashSignature(b)).length > 0) falseCandidates++;
    }
    expect(falseCandidates / dissimilar).toBeLessThan(0.05);

    let similar = 0;
    let found = 0;
    while (similar < 200) {
      const a = template(16 + Math.floor(rand() * 10));
      const b = [...a];
      b[Math.floor(rand() * b.length)] = `other${Math.floor(rand() * 5)}`;
      if (exactJaccard(a, b) < 0.8) continue;
      similar++;
      const index = new LshIndex();
      index.add('a', minhashSignature(a));
      if (index.candidates(minhashSignature(b)).includes('a')) found++;
    }
    expect(found / similar).toBeGreaterThan(0.95);
  });

  it('removes and replaces ids', () => {
    const index = knownIndex();
    expect(index.remove('db-retries')).toBe(true);
    expect(index.remove('db-retries')).toBe(false);
    expect(index.has('db-retries')).toBe(false);
    expect(index.size).toBe(Object.keys(KNOWN).length - 1);
    expect(index.candidates(sig(DB_ATTEMPTS))).not.toContain('db-retries');
    expect(index.nearest(sig(DB_ATTEMPTS))).toBeUndefined();

    index.add('login', sig(DB_RETRIES));
    expect(index.size).toBe(Object.keys(KNOWN).length - 1);
    expect(index.candidates(sig(USER_LOGIN))).not.toContain('login');
    expect(index.nearest(sig(DB_ATTEMPTS))?.id).toBe('login');
  });

  it('keeps its own copy of added signatures', () => {
    const index = new LshIndex();
    const s = sig(DB_RETRIES);
    index.add('x', s);
    s.fill(0);
    expect(index.nearest(sig(DB_RETRIES))).toEqual({ id: 'x', similarity: 1 });
  });

  it('round trips through JSON', () => {
    const index = knownIndex();
    const json = JSON.parse(JSON.stringify(index));
    expect(json.version).toBe(1);
    expect(json.entries[0]).toEqual({
      id: 'db-retries',
      signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
    });
    const restored = LshIndex.fromJSON(json);
    expect(restored.size).toBe(index.size);
    expect(restored.toJSON()).toEqual(index.toJSON());
    for (const template of [
      DB_ATTEMPTS,
      USER_LOGIN,
      'Disk quota exceeded on <*>',
    ]) {
      expect(restored.candidates(sig(template))).toEqual(
        index.candidates(sig(template)),
      );
      expect(restored.nearest(sig(template))).toEqual(
        index.nearest(sig(template)),
      );
    }

    const other = new LshIndex({ numHashes: 32, bands: 8 });
    const s = minhashSignature(tok(DB_RETRIES), { numHashes: 32 });
    other.add('only', s);
    const back = LshIndex.fromJSON(JSON.parse(JSON.stringify(other)));
    expect(back.rows).toBe(4);
    expect(back.nearest(s)).toEqual({ id: 'only', similarity: 1 });
    expect(LshIndex.fromJSON(new LshIndex().toJSON()).size).toBe(0);
  });

  it('rejects malformed JSON and bad options', () => {
    const good = new LshIndex();
    good.add('a', sig(DB_RETRIES));
    const json = good.toJSON();
    expect(() => LshIndex.fromJSON(null)).toThrow(/expected an object/);
    expect(() => LshIndex.fromJSON({ ...json, version: 2 })).toThrow(
      /unsupported version/,
    );
    expect(() => LshIndex.fromJSON({ ...json, bands: 7 })).toThrow(/divisible/);
    expect(() =>
      LshIndex.fromJSON({
        ...json,
        entries: [{ id: 'a', signature: 'AAAAAAAAAAA=' }],
      }),
    ).toThrow(/expected 64 hashes/);
    expect(() =>
      LshIndex.fromJSON({ ...json, entries: [{ id: 'a', signature: '!!!!' }] }),
    ).toThrow(/base64/);
    expect(() =>
      LshIndex.fromJSON({ ...json, entries: [{ id: 1, signature: 'AAAA' }] }),
    ).toThrow(/string id/);

    expect(() => new LshIndex({ numHashes: 64, bands: 10 })).toThrow(
      /divisible/,
    );
    expect(() => new LshIndex({ bands: 0 })).toThrow(/bands/);
    expect(() => good.add('b', new Uint32Array(32))).toThrow(/32 hashes/);
    expect(() => good.candidates(new Uint32Array(65))).toThrow(/65 hashes/);
  });
});

describe('isNovel', () => {
  it('flags unseen error templates and accepts small variations of known ones', () => {
    const index = new LshIndex();
    for (const [id, template] of Object.entries(KNOWN))
      index.add(id, sig(template));

    const unseen = isNovel(
      index,
      sig('Disk quota exceeded on volume <*> for tenant <*>'),
    );
    expect(unseen.novel).toBe(true);

    const variation = isNovel(index, sig(DB_ATTEMPTS));
    expect(variation.novel).toBe(false);
    expect(variation.nearest?.id).toBe('db-retries');

    const gc = isNovel(
      index,
      sig('GC pause old generation took <*> ms heap <*> MB'),
    );
    expect(gc).toEqual({
      novel: false,
      nearest: expect.objectContaining({ id: 'gc-pause' }),
    });

    expect(isNovel(new LshIndex(), sig(DB_RETRIES))).toEqual({ novel: true });
    expect(isNovel(index, sig(DB_ATTEMPTS), 1).novel).toBe(true);
    expect(() => isNovel(index, sig(DB_ATTEMPTS), 1.5)).toThrow(/threshold/);
  });
});

describe('signature bytes', () => {
  it('round trips little-endian bytes', () => {
    const s = sig(DB_RETRIES);
    const bytes = signatureToBytes(s);
    expect(bytes).toHaveLength(256);
    expect(signatureFromBytes(bytes)).toEqual(s);
    expect(signatureFromBytes(bytes, 64)).toEqual(s);
    expect(
      Array.from(signatureToBytes(new Uint32Array([1, 0x01020304]))),
    ).toEqual([1, 0, 0, 0, 4, 3, 2, 1]);
    const framed = new Uint8Array(bytes.length + 3);
    framed.set(bytes, 3);
    expect(signatureFromBytes(framed.subarray(3))).toEqual(s);
  });

  it('rejects bad lengths', () => {
    expect(() => signatureFromBytes(new Uint8Array(0))).toThrow(
      /multiple of 4/,
    );
    expect(() => signatureFromBytes(new Uint8Array(7))).toThrow(
      /multiple of 4/,
    );
    expect(() => signatureFromBytes(new Uint8Array(128), 64)).toThrow(
      /expected 64 hashes/,
    );
  });
});
