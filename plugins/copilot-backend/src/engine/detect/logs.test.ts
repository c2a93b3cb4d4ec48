import { errorBurstFinding, novelTemplateFinding } from './logs';

const H = 3_600_000;

describe('novelTemplateFinding', () => {
  const base = {
    template: 'db timeout after <*> ms',
    firstSeenTs: 10 * H,
    historyMs: 48 * H,
  };
  it('scores a template first seen minutes ago on a warm service', () => {
    const f = novelTemplateFinding({
      ...base,
      count: 12,
      nowTs: 10 * H + 5 * 60_000,
      error: true,
    });
    expect(f.detector).toBe('novel-template');
    expect(f.score).toBeGreaterThan(0.9);
    expect(f.detail).toContain('new error log template');
    expect(f.detail).toContain('12 lines');
  });
  it('does not score old templates or cold services', () => {
    expect(
      novelTemplateFinding({ ...base, count: 3, nowTs: 14 * H }).score,
    ).toBe(0);
    expect(
      novelTemplateFinding({
        ...base,
        count: 3,
        nowTs: 10 * H + 1,
        historyMs: H,
      }).score,
    ).toBe(0);
  });
  it('rises with the count', () => {
    const at = (count: number) =>
      novelTemplateFinding({ ...base, count, nowTs: 10 * H + 60_000 }).score;
    expect(at(100)).toBeGreaterThan(at(1));
  });
});

describe('errorBurstFinding', () => {
  const history = Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? 1 : 0));
  it('fires on a burst against a sparse baseline', () => {
    const f = errorBurstFinding({ count: 12, history });
    expect(f.detector).toBe('error-burst');
    expect(f.score).toBeGreaterThan(0.8);
    expect(f.detail).toMatch(/12 errors\/interval vs baseline 0.50/);
  });
  it('does not fire on 0 -> 2', () => {
    expect(errorBurstFinding({ count: 2, history }).score).toBe(0);
  });
  it('needs history', () => {
    expect(errorBurstFinding({ count: 50, history: [0, 0, 1] }).score).toBe(0);
  });
  it('uses a trimmed mean so past bursts do not hide new ones', () => {
    const busy = [...history.slice(0, 54), 40, 45, 50, 0, 0, 0];
    expect(
      errorBurstFinding({ count: 15, history: busy }).score,
    ).toBeGreaterThan(0.8);
  });
});
