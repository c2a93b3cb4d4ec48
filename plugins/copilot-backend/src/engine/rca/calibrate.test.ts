import { calibrate, unexplainedScore } from './calibrate';

describe('calibrate', () => {
  it('returns probabilities that sum to 1 with the unexplained share', () => {
    const { confidences, unexplained } = calibrate(
      [6, 5, 2],
      unexplainedScore(0.8),
    );
    const sum = confidences.reduce((a, b) => a + b, 0);
    expect(sum + unexplained).toBeCloseTo(1, 10);
    expect(sum).toBeLessThan(1);
    expect(confidences[0]).toBeGreaterThan(confidences[1]);
  });

  it('is monotone in a candidate score and in how much the best candidate explains', () => {
    let prev = 0;
    for (const s of [2, 3, 4, 5, 6, 8]) {
      const c = calibrate([s, 4], 4).confidences[0];
      expect(c).toBeGreaterThan(prev);
      prev = c;
    }
    expect(unexplainedScore(0.2)).toBeGreaterThan(unexplainedScore(0.9));
    expect(
      calibrate([6], unexplainedScore(0.9)).confidences[0],
    ).toBeGreaterThan(calibrate([6], unexplainedScore(0.2)).confidences[0]);
  });

  it('gives everything to the unexplained alternative when there is no candidate', () => {
    expect(calibrate([], 4)).toEqual({ confidences: [], unexplained: 1 });
  });

  it('flattens with a higher temperature', () => {
    const sharp = calibrate([8, 4], 4, 1).confidences[0];
    const flat = calibrate([8, 4], 4, 3).confidences[0];
    expect(flat).toBeLessThan(sharp);
  });
});
