/**
 * Annotation names the copilot reads on catalog entities.
 * @public
 */
export const COPILOT_ANNOTATIONS = {
  /** Label matchers that attribute signals to the entity: `app=checkout,namespace=shop`. */
  selector: 'copilot.dev/selector',
  /** SLOs: `availability: 99.9% over 30d; latency_p95_ms < 300 over 7d`. */
  slo: 'copilot.dev/slo',
  /** A runbook URL or repository-relative path. */
  runbook: 'copilot.dev/runbook',
} as const;

/**
 * One label matcher of a `copilot.dev/selector` annotation.
 * @public
 */
export interface LabelMatcher {
  key: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/**
 * Parses `key=value,key!=value,key=~regex,key!~regex`. Throws an Error naming the bad part.
 * @public
 */
export function parseSelector(selector: string): LabelMatcher[] {
  const parts = selector
    .split(',')
    .map(p => p.trim())
    .filter(p => p.length > 0);
  if (parts.length === 0) {
    throw new Error(
      `selector '${selector}' is empty; expected comma-separated matchers such as app=checkout,namespace=shop`,
    );
  }
  return parts.map(part => {
    const m = /^([A-Za-z_][A-Za-z0-9_.\/-]*)\s*(=~|!~|!=|=)\s*(.+)$/.exec(part);
    if (!m) {
      throw new Error(
        `selector part '${part}' is not a matcher; expected key=value, key!=value, key=~regex or key!~regex`,
      );
    }
    const [, key, op, rawValue] = m;
    const value = rawValue.trim().replace(/^"(.*)"$/, '$1');
    if (op === '=~' || op === '!~') {
      try {
        RegExp(`^(?:${value})$`);
      } catch (e) {
        throw new Error(
          `selector part '${part}' has an invalid regex: ${
            (e as Error).message
          }`,
        );
      }
    }
    return { key, op: op as LabelMatcher['op'], value };
  });
}

/**
 * True when every matcher holds for the labels (a missing label equals the empty string).
 * @public
 */
export function matchesSelector(
  matchers: LabelMatcher[],
  labels: Record<string, string>,
): boolean {
  return matchers.every(({ key, op, value }) => {
    const actual = labels[key] ?? '';
    switch (op) {
      case '=':
        return actual === value;
      case '!=':
        return actual !== value;
      case '=~':
        return new RegExp(`^(?:${value})$`).test(actual);
      case '!~':
        return !new RegExp(`^(?:${value})$`).test(actual);
      default:
        return false;
    }
  });
}

/**
 * One SLO of a `copilot.dev/slo` annotation.
 * @public
 */
export interface SloSpec {
  /** The SLI name: `availability`, `latency_p95_ms`, ... */
  name: string;
  /**
   * The objective as a fraction (0.999): for ratio SLOs the share of good events; for threshold SLOs
   * (time slices) the share of minutes meeting the threshold, when given (`for 99%`).
   */
  objective?: number;
  /** For threshold SLOs (`latency_p95_ms < 300`): the comparison and threshold. */
  comparator?: '<' | '<=' | '>' | '>=';
  threshold?: number;
  /** The compliance window, e.g. `30d`. */
  window: string;
  windowMs: number;
}

const WINDOW_UNITS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * Parses `availability: 99.9% over 30d; latency_p95_ms < 300 for 99% over 7d`. Throws an Error naming the bad
 * part.
 * @public
 */
export function parseSloAnnotation(value: string): SloSpec[] {
  const parts = value
    .split(';')
    .map(p => p.trim())
    .filter(p => p.length > 0);
  if (parts.length === 0) {
    throw new Error(
      `SLO annotation '${value}' is empty; expected e.g. 'availability: 99.9% over 30d; latency_p95_ms < 300 over 7d'`,
    );
  }
  return parts.map(part => {
    const ratio =
      /^([A-Za-z_][\w.-]*)\s*:\s*(\d+(?:\.\d+)?)\s*%\s+over\s+(\d+)\s*([mhdw])$/i.exec(
        part,
      );
    if (ratio) {
      const pct = Number(ratio[2]);
      if (pct <= 0 || pct >= 100) {
        throw new Error(
          `SLO '${part}': the objective must be between 0% and 100% (exclusive)`,
        );
      }
      const n = Number(ratio[3]);
      const unit = ratio[4].toLowerCase();
      return {
        name: ratio[1],
        objective: Number((pct / 100).toPrecision(12)),
        window: `${n}${unit}`,
        windowMs: n * WINDOW_UNITS[unit],
      };
    }
    const threshold =
      /^([A-Za-z_][\w.:-]*)\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)(?:\s+for\s+(\d+(?:\.\d+)?)\s*%)?\s+over\s+(\d+)\s*([mhdw])$/i.exec(
        part,
      );
    if (threshold) {
      const n = Number(threshold[5]);
      const unit = threshold[6].toLowerCase();
      let objective: number | undefined;
      if (threshold[4] !== undefined) {
        const pct = Number(threshold[4]);
        if (pct <= 0 || pct >= 100) {
          throw new Error(
            `SLO '${part}': the share of good minutes must be between 0% and 100% (exclusive)`,
          );
        }
        objective = Number((pct / 100).toPrecision(12));
      }
      return {
        name: threshold[1],
        comparator: threshold[2] as SloSpec['comparator'],
        threshold: Number(threshold[3]),
        ...(objective !== undefined ? { objective } : {}),
        window: `${n}${unit}`,
        windowMs: n * WINDOW_UNITS[unit],
      };
    }
    throw new Error(
      `SLO '${part}' is not understood; expected '<sli>: <objective>% over <n><m|h|d|w>' or '<sli> < <threshold> [for <share of minutes>%] over <n><m|h|d|w>'`,
    );
  });
}
