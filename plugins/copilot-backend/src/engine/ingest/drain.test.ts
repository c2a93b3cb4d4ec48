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
