import { scoreSeries } from './detector';
import { createSeriesDetector } from './ensemble';
import { MINUTE, synth } from '../../__testUtils__/series';

describe('scoreSeries', () => {
  it('returns one score in [0, 1] per row, equal to the default ensemble', () => {
    const pts = synth(1500, 5 * MINUTE, i => (i === 1200 ? 40 : 10), 1, 12);
    const values = pts.map(p => p.value);
    values[700] = NaN;
    const scores = scoreSeries(
      values,
      pts.map(p => p.ts),
    );
    expect(scores).toHaveLength(1500);
    expect(scores.every(s => s >= 0 && s <= 1)).toBe(true);
    const d = createSeriesDetector();
    expect(scores).toEqual(
      values.map((v, i) => d.update({ ts: pts[i].ts, value: v }).score),
    );
    expect(scores.indexOf(Math.max(...scores))).toBe(1200);
    expect(scores[700]).toBe(0);
  });
});
