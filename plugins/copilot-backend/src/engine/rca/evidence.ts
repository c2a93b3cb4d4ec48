// Evidence rows: built from anomalies, changes and graph facts, deduplicated by id.
import type { ChangeImpact } from '../correlate/changes';
import type { SeriesAnomaly } from '../correlate/types';
import type { Evidence } from './types';

/** Collects the evidence rows hypotheses cite; ids are stable for the same inputs. */
export class EvidenceRegistry {
  private readonly rows = new Map<string, Evidence>();

  /** A metric window (metrics) or log template (log series) row for an anomaly. */
  anomaly(a: SeriesAnomaly): string {
    if (!this.rows.has(a.id))
      this.rows.set(a.id, {
        id: a.id,
        kind: a.kind === 'metric' ? 'metric_window' : 'log_template',
        entityRef: a.entityRef,
        summary: a.summary,
        window: { fromMs: a.onsetMs, toMs: Math.max(a.endMs, a.onsetMs) },
        score: a.score,
      });
    return a.id;
  }

  /** A change row, scored by its change-impact likelihood. */
  change(impact: ChangeImpact): string {
    const c = impact.change;
    const id = `ev:change:${c.id}`;
    if (!this.rows.has(id)) {
      const who = c.author ? ` by ${c.author}` : '';
      const diff = c.diffSummary ? ` (${c.diffSummary})` : '';
      this.rows.set(id, {
        id,
        kind: 'change',
        entityRef: impact.entityRef,
        summary: `${c.kind}${
          c.version ? ` ${c.version}` : ''
        }${who} at ${new Date(c.tsMs).toISOString()}${diff}: ${impact.reason}`,
        window: { fromMs: c.tsMs, toMs: c.tsMs },
        score: impact.likelihood,
      });
    }
    return id;
  }

  /** A graph fact about an entity (what it explains, what it depends on). */
  topology(
    key: string,
    entityRef: string,
    summary: string,
    score: number,
    window?: { fromMs: number; toMs: number },
  ): string {
    const id = `ev:topology:${entityRef}:${key}`;
    if (!this.rows.has(id))
      this.rows.set(id, {
        id,
        kind: 'topology',
        entityRef,
        summary,
        window,
        score: Math.max(0, Math.min(1, score)),
      });
    return id;
  }

  /** A metric window row that is not an anomaly (e.g. "these series stayed in their band"). */
  quiet(
    entityRef: string,
    summary: string,
    window: { fromMs: number; toMs: number },
  ): string {
    const id = `ev:quiet:${entityRef}`;
    if (!this.rows.has(id))
      this.rows.set(id, {
        id,
        kind: 'metric_window',
        entityRef,
        summary,
        window,
        score: 0,
      });
    return id;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** All rows, in insertion order. */
  list(): Evidence[] {
    return [...this.rows.values()];
  }
}
