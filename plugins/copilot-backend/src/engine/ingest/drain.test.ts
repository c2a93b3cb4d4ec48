import { DrainMiner, tokenize, WILDCARD } from './drain';

describe('tokenize', () => {
  it('masks numbers, addresses, hex, uuids and paths, and separates = , ; and trailing colons', () => {
    expect(
      tokenize(
        'Received block blk_-1608999687919862906 of size 91178 from /10.250.10.6:50010',
      ),
    ).toEqual([
      'Received',
      'block',
      WILDCARD,
      'of',
      'size',
      WILDCARD,
      'from',
      WILDCARD,
    ]);
    expect(
      tokenize(
        'user=root uid=0 status: failed, ptr 0x7ffd1c at /var/lib/x.db on Fri',
      ),
    ).toEqual([
      'user',
      '=',
      'root',
      'uid',
      '=',
      WILDCARD,
      'status',
      ':',
      'failed',
      ',',
      'ptr',
      WILDCARD,
      'at',
      WILDCARD,
      'on',
      WILDCARD,
    ]);
    expect(
      tokenize('instance 3edec1e4-9678-4a3a-a21b-a145a4ee5e61 claimed'),
    ).toEqual(['instance', WILDCARD, 'claimed']);
  });

  it('treats a run or a list of values, and an empty value, as one variable', () => {
    expect(
      tokenize('sent 403 bytes (403 B) to 10.0.0.1,10.0.0.2 from ()'),
    ).toEqual([
      'sent',
      WILDCARD,
      'bytes',
      WILDCARD,
      'B)',
      'to',
      WILDCARD,
      'from',
      WILDCARD,
    ]);
    expect(
      tokenize(
        'GET /v2/servers/detail?all_tenants=True&since=2017 HTTP/1.1 done',
      ),
    ).toEqual(['GET', WILDCARD, 'done']);
  });
});

/** tokenize as its regular expressions wrote it before the one-scan version: the reference. */
function referenceTokenize(line: string): string[] {
  const masks: Array<[RegExp, string]> = [
    [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '-'],
    [/(?:\/?[\w.-]+)?(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?/g, '.'],
    [/\b0x[0-9a-f]+\b/gi, '0'],
    [/(?:[\w.-]*\/)+[^\s"',;]*/g, '/'],
  ];
  let masked = line;
  for (const [re, needs] of masks) {
    if (masked.includes(needs)) masked = masked.replace(re, WILDCARD);
  }
  const tokens = masked
    .replace(/([=,;]|:(?=\s|$))/g, ' $1 ')
    .split(/\s+/)
    .filter(t => t.length > 0)
    .map(t =>
      /\d/.test(t) ||
      t.includes(WILDCARD) ||
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$/.test(
        t,
      ) ||
      /^(\(\)|\[\]|\{\}|""|'')$/.test(t)
        ? WILDCARD
        : t,
    );
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === WILDCARD && out[out.length - 1] === WILDCARD) continue;
    if (
      t === ',' &&
      out[out.length - 1] === WILDCARD &&
      tokens[i + 1] === WILDCARD
    )
      continue;
    out.push(t);
  }
  return out;
}

describe('tokenize in one scan', () => {
  it('gives the tokens of the regular-expression pipeline', () => {
    const lines = [
      '',
      '   ',
      'a',
      'key=value other = x;y,z',
      'a: b:c d:',
      'trailing colon:',
      'colon:\tbefore tab and :\u00a0nbsp',
      '\u3000ideographic\u2028line\ufeffbom\u0085nel\u001cfs',
      '1 , 2 , x , 3 , , 4',
      ', , <*> , , <*> ,',
      'x , 1',
      '1 ,',
      'list 10.0.0.1,10.0.0.2 , 10.0.0.3 done',
      'on Mon Jan 5 at Monday Janx',
      'empty () [] {} "" \'\' (x) ( )',
      'host10.2.3.4:80 /p/10.0.0.1 v1.2.3 1.2.3 a1.22.333.4444',
      'id 3EDEC1E4-9678-4A3A-A21B-A145A4EE5E61 and 0XFF and 0x1g',
      'path a/b/c, "/x y" \'/z\';w',
      'x<*>y <*<*>> <* *>',
      'caf\u00e9 na\u00efve \u00fcber',
      'repeated repeated repeated words words',
      'a-very-long-token-of-more-than-twelve-characters and another-long-token-here',
    ];
    for (const line of lines) {
      expect(tokenize(line)).toEqual(referenceTokenize(line));
    }
    // Random lines over the characters that matter.
    const parts = [
      'a',
      'Zq',
      '7',
      '.',
      '-',
      '/',
      ':',
      '=',
      ',',
      ';',
      ' ',
      '\t',
      '"',
      "'",
      '(',
      ')',
      '<*>',
      'Mon',
      '0x1f',
      '10.0.0.1',
      '3edec1e4-9678-4a3a-a21b-a145a4ee5e61',
      '\u00a0',
      'word',
    ];
    let seed = 42;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let i = 0; i < 3000; i++) {
      let line = '';
      const n = Math.floor(random() * 14);
      for (let k = 0; k < n; k++)
        line += parts[Math.floor(random() * parts.length)];
      expect(tokenize(line)).toEqual(referenceTokenize(line));
    }
  });
});

describe('DrainMiner', () => {
  it('gives same-shape lines one template id and different events different ids', () => {
    const miner = new DrainMiner();
    const a = miner.add('Connection from 10.0.0.1 closed after 12 ms');
    const b = miner.add('Connection from 10.0.0.7 closed after 940 ms');
    const c = miner.add('Disk /dev/sda1 is 93% full');
    const d = miner.add('Connection from 10.0.0.9 refused by peer now');
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(d).not.toBe(a);
    expect(miner.text(a)).toBe('Connection from <*> closed after <*> ms');
    expect(miner.template(a).count).toBe(2);
  });

  it('turns a differing word into <*> when the rest of a long line agrees', () => {
    const miner = new DrainMiner({ similarity: 0.8 });
    const a = miner.add(
      'session opened for user alice by sshd on the primary host',
    );
    const b = miner.add(
      'session opened for user bob by sshd on the primary host',
    );
    expect(b).toBe(a);
    expect(miner.text(a)).toBe(
      'session opened for user <*> by sshd on the primary host',
    );
  });

  it('keeps a bounded number of exemplar lines', () => {
    const miner = new DrainMiner({ maxExemplars: 2 });
    let id = -1;
    for (let i = 0; i < 5; i++) id = miner.add(`job ${i} done`);
    expect(miner.template(id).exemplars).toEqual(['job 0 done', 'job 1 done']);
    expect(miner.template(id).count).toBe(5);
  });

  it('restores from its serialized state with the same ids and keeps mining into them', () => {
    const miner = new DrainMiner();
    const lines = [
      'GET /a 200 in 3 ms',
      'worker 7 started',
      'GET /b 404 in 9 ms',
      'cache miss for key 42',
    ];
    const ids = lines.map(l => miner.add(l));
    const restored = DrainMiner.restore(miner.serialize());
    expect(restored.size).toBe(miner.size);
    expect(lines.map(l => restored.add(l))).toEqual(ids);
    expect(restored.add('worker 8 started')).toBe(ids[1]);
    expect(restored.add('a brand new kind of line')).toBe(miner.size);
  });

  it('routes to a wildcard child once a node has too many children', () => {
    const miner = new DrainMiner({ maxChildren: 2, similarity: 0.5 });
    miner.add('alpha x y z');
    miner.add('beta x y z');
    const c = miner.add('gamma x y z');
    const d = miner.add('delta x y z');
    expect(d).toBe(c);
    expect(miner.text(c)).toBe('<*> x y z');
  });
});

describe('template merging', () => {
  it('merges a template into the one that generalized to cover it, and restores the merge', () => {
    const miner = new DrainMiner({ similarity: 0.7 });
    const t0 = miner.add('x y a b c');
    const t1 = miner.add('x y d e c'); // 3 of 5 equal: a template of its own
    expect(t1).not.toBe(t0);
    expect(miner.add('x y a e c')).toBe(t0); // t0 becomes x y a <*> c
    expect(miner.size).toBe(2);
    // t0 generalizes to x y <*> <*> c, which covers t1: they are one event from now on
    expect(miner.add('x y d b c')).toBe(t0);
    expect(miner.size).toBe(1);
    expect(miner.total).toBe(2);
    expect(miner.canonical(t1)).toBe(t0);
    expect(miner.text(t0)).toBe('x y <*> <*> c');
    expect(miner.template(t0).count).toBe(4);
    expect(miner.add('x y d e c')).toBe(t0);

    const restored = DrainMiner.restore(miner.serialize());
    expect(restored.size).toBe(1);
    expect(restored.canonical(t1)).toBe(t0);
    expect(restored.add('x y q r c')).toBe(t0);
  });
});

describe('variable positions', () => {
  it('takes a position that many otherwise equal templates differ in as a variable', () => {
    const miner = new DrainMiner();
    const ids = ['cyrus', 'news', 'test'].map(user =>
      miner.add(`session closed for user ${user}`),
    );
    expect(new Set(ids).size).toBe(3); // two or three values may still be distinct events
    const fourth = miner.add('session closed for user root');
    expect(miner.size).toBe(1);
    expect(miner.text(fourth)).toBe('session closed for user <*>');
    expect(ids.map(id => miner.canonical(id))).toEqual([
      fourth,
      fourth,
      fourth,
    ]);
    expect(miner.add('session closed for user alice')).toBe(fourth);
    // a template differing elsewhere stays apart
    expect(miner.add('session opened for user alice')).not.toBe(fourth);
  });
});
