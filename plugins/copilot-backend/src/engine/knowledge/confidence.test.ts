import { confidence } from './confidence';

describe('confidence', () => {
  const base = {
    docScores: [0.9, 0.6, 0.5],
    nameRecall: 0.7,
    coverage: 0.7,
    lexicalAgrees: true,
    denseAgrees: true,
  };

  it('is confident for a clear, well-covered, agreed-on winner', () => {
    const c = confidence(base);
    expect(c.confident).toBe(true);
    expect(c.margin).toBeCloseTo(1 / 3, 9);
  });

  it('drops with a smaller margin, lower name recall or coverage, and disagreement', () => {
    const v = confidence(base).value;
    expect(confidence({ ...base, docScores: [0.9, 0.88] }).value).toBeLessThan(
      v,
    );
    expect(confidence({ ...base, nameRecall: 0.2 }).value).toBeLessThan(v);
    expect(confidence({ ...base, coverage: 0.1 }).value).toBeLessThan(v);
    expect(confidence({ ...base, denseAgrees: false }).value).toBeLessThan(v);
    expect(
      confidence({
        ...base,
        docScores: [0.9, 0.88],
        nameRecall: 0.3,
        coverage: 0.2,
      }).confident,
    ).toBe(false);
  });

  it('abstains on an empty result list', () => {
    expect(confidence({ ...base, docScores: [] })).toMatchObject({
      value: 0,
      confident: false,
    });
  });
});
