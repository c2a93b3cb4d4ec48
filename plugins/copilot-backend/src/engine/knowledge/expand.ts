// Query construction: incident -> query text from its title, entity, top hypotheses, evidence and log templates;
// alert -> query text from summary, description (Go templates removed) and the PromQL expression's names.
import { promqlText } from './analyze';

export { promqlText };

export interface IncidentQueryInput {
  title: string;
  entity?: string;
  hypotheses?: { statement: string; kind?: string; score?: number }[];
  evidence?: { summary: string }[];
  templates?: string[];
  alertNames?: string[];
}

export interface ExpandOptions {
  /** Hypotheses used (in the given order, which is their rank). Default 3. */
  maxHypotheses?: number;
  maxEvidence?: number;
  maxTemplates?: number;
}

/** Removes `{{ ... }}` template actions (alert annotations use Go templates). */
export function stripTemplates(text: string): string {
  return text.replace(/\{\{[\s\S]*?\}\}/g, ' ');
}

/** Log templates with their variable slots (`<*>`, `{}`) removed. */
function templateText(t: string): string {
  return t
    .replace(/<\*>|<[A-Z_]+>|\{\}/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** An entity ref such as `component:default/checkout-api` reduced to its name. */
function entityName(ref: string): string {
  return ref.replace(/^[^:]+:/, '').replace(/^[^/]+\//, '');
}

export function expandIncidentQuery(
  input: IncidentQueryInput,
  options: ExpandOptions = {},
): string {
  const parts: string[] = [stripTemplates(input.title)];
  if (input.entity) parts.push(entityName(input.entity));
  for (const a of input.alertNames ?? []) parts.push(a);
  for (const h of (input.hypotheses ?? []).slice(
    0,
    options.maxHypotheses ?? 3,
  )) {
    parts.push(h.statement);
    if (h.kind) parts.push(h.kind.replace(/[_-]/g, ' '));
  }
  for (const e of (input.evidence ?? []).slice(0, options.maxEvidence ?? 5))
    parts.push(e.summary);
  for (const t of (input.templates ?? []).slice(0, options.maxTemplates ?? 5))
    parts.push(templateText(t));
  const seen = new Set<string>();
  return parts
    .map(p => p.replace(/\s+/g, ' ').trim())
    .filter(p => p && !seen.has(p) && seen.add(p))
    .join('\n');
}

export interface AlertQueryInput {
  name?: string;
  summary?: string;
  description?: string;
  expr?: string;
  labels?: Record<string, string>;
}

/** Query text for an alert; the name is included only when given (the eval withholds it). */
export function alertQueryText(alert: AlertQueryInput): string {
  const parts = [
    alert.name ?? '',
    stripTemplates(alert.summary ?? ''),
    stripTemplates(alert.description ?? ''),
    alert.expr ? promqlText(alert.expr) : '',
    ...Object.entries(alert.labels ?? {})
      .filter(
        ([k]) =>
          !['alertname', 'severity', 'instance', 'pod', 'namespace'].includes(
            k,
          ),
      )
      .map(([, v]) => v),
  ];
  return parts.filter(Boolean).join('\n');
}
