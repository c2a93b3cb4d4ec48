import { burnRate, errorBudgetRemaining, successRatio } from './budget';

describe('error budgets', () => {
  it('is the share of the allowed failures not yet spent', () => {
    expect(errorBudgetRemaining(1, 0.999)).toBe(1);
    expect(errorBudgetRemaining(0.999, 0.999)).toBeCloseTo(0, 10);
    expect(errorBudgetRemaining(0.9995, 0.999)).toBeCloseTo(0.5, 10);
    expect(errorBudgetRemaining(0.998, 0.999)).toBeCloseTo(-1, 10);
    expect(() => errorBudgetRemaining(0.9, 1)).toThrow(/objective/);
  });

  it('burns at the error rate over the allowed one', () => {
    expect(burnRate(0.999, 0.999)).toBeCloseTo(1, 10);
    expect(burnRate(0.9856, 0.999)).toBeCloseTo(14.4, 6);
    expect(burnRate(1, 0.99)).toBe(0);
  });

  it('reads success ratios from fractions, percentages and failure metrics', () => {
    expect(successRatio('availability', 99.5)).toBeCloseTo(0.995, 10);
    expect(successRatio('availability', 0.97)).toBeCloseTo(0.97, 10);
    expect(successRatio('http_5xx_rate', 0.02)).toBeCloseTo(0.98, 10);
    expect(successRatio('error_percent', 3)).toBeCloseTo(0.97, 10);
    expect(successRatio('availability', -1)).toBe(0);
  });
});
