import { analyze } from './analyze';
import { Bm25Index } from './bm25';

const fields = (title: string, headings: string, body: string) => ({
  title: analyze(title),
  headings: analyze(headings),
  body: analyze(body),
});

describe('Bm25Index', () => {
  it('ranks by idf-weighted term frequency and boosts titles over bodies', () => {
    const idx = new Bm25Index();
    idx.add(0, fields('Disk full', 'Meaning', 'the disk is full of logs'));
    idx.add(
      1,
      fields(
        'Memory pressure',
        'Meaning',
        'a pod mentions disk once among many other words here',
      ),
    );
    idx.add(2, fields('Network errors', 'Meaning', 'packets are dropped'));
    const res = idx.search([{ term: 'disk', weight: 1 }], 10);
    expect(res.map(r => r.id)).toEqual([0, 1]);
    expect(res[0].score).toBeGreaterThan(res[1].score);

    const titleOnly = new Bm25Index();
    titleOnly.add(0, fields('Certificate expiry', '', 'rotate it'));
    titleOnly.add(1, fields('Other', '', 'certificate expiry certificate'));
    titleOnly.add(2, fields('Unrelated', '', 'nothing'));
    expect(titleOnly.search([{ term: 'certif', weight: 1 }], 2)[0].id).toBe(0);
  });

  it('removes and replaces slots without leaving duplicates', () => {
    const idx = new Bm25Index();
    idx.add(0, fields('a', '', 'etcd leader changes'));
    idx.add(1, fields('b', '', 'etcd members down'));
    expect(idx.df('etcd')).toBe(2);
    idx.remove(0);
    expect(idx.size).toBe(1);
    expect(idx.df('etcd')).toBe(1);
    expect(idx.search([{ term: 'leader', weight: 1 }], 5)).toEqual([]);
    idx.add(1, fields('b', '', 'etcd members down again'));
    expect(idx.size).toBe(1);
    expect(idx.search([{ term: 'etcd', weight: 1 }], 5).map(r => r.id)).toEqual(
      [1],
    );
    // Enough removals trigger postings compaction; results must stay right.
    for (let i = 2; i < 50; i++)
      idx.add(i, fields('x', '', `etcd node ${i % 3 ? 'alpha' : 'beta'}`));
    for (let i = 2; i < 40; i++) idx.remove(i);
    const beta = idx.search([{ term: 'beta', weight: 1 }], 50).map(r => r.id);
    expect(beta.every(id => id >= 40 && id % 3 === 0)).toBe(true);
    expect(beta).toHaveLength([42, 45, 48].length);
  });

  it('honours the slot filter', () => {
    const idx = new Bm25Index();
    idx.add(0, fields('', '', 'queue full'));
    idx.add(1, fields('', '', 'queue full'));
    expect(
      idx
        .search([{ term: 'queue', weight: 1 }], 5, id => id === 1)
        .map(r => r.id),
    ).toEqual([1]);
  });
});
