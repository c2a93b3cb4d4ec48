// Reads Alertmanager webhook payloads (version 4, prometheus.io/docs/alerting/latest/configuration
// #webhook_config) into alerts the copilot can open, refresh or resolve incidents from.
import type { IncidentSeverity } from '@devops-copilot/backstage-plugin-copilot-common';
import { z } from 'zod/v3';

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string()),
  annotations: z.record(z.string()).default({}),
  startsAt: z
    .string()
    .refine(
      v => !Number.isNaN(Date.parse(v)),
      'startsAt must be an RFC 3339 time',
    ),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).optional(),
});

/** The webhook body Alertmanager posts. */
export const alertmanagerWebhookSchema = z.object({
  version: z.string().optional(),
  groupKey: z.string().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  groupLabels: z.record(z.string()).default({}),
  commonLabels: z.record(z.string()).default({}),
  commonAnnotations: z.record(z.string()).default({}),
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema).min(1, 'alerts must hold at least one alert'),
});

export type AlertmanagerWebhook = z.infer<typeof alertmanagerWebhookSchema>;

/** One alert, normalised. */
export interface NormalizedAlert {
  firing: boolean;
  fingerprint: string;
  title: string;
  summary?: string;
  severity: IncidentSeverity;
  labels: Record<string, string>;
  startsAtMs: number;
  link?: string;
}

const SEVERITIES: Record<string, IncidentSeverity> = {
  critical: 'critical',
  page: 'critical',
  error: 'high',
  high: 'high',
  major: 'high',
  warning: 'medium',
  warn: 'medium',
  medium: 'medium',
  minor: 'low',
  info: 'low',
  low: 'low',
};

/** Alertmanager's own fingerprint when sent, else a stable one from the sorted labels. */
function fingerprintOf(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map(k => `${k}=${labels[k]}`)
    .join(',');
}

export function normalizeAlerts(body: AlertmanagerWebhook): NormalizedAlert[] {
  return body.alerts.map(a => {
    const labels = { ...body.commonLabels, ...a.labels };
    const annotations = { ...body.commonAnnotations, ...a.annotations };
    const alertname = labels.alertname ?? 'Alert';
    return {
      firing: a.status === 'firing',
      fingerprint: `alertmanager:${a.fingerprint ?? fingerprintOf(a.labels)}`,
      title: annotations.summary ?? annotations.title ?? alertname,
      summary: annotations.description ?? annotations.message,
      severity:
        SEVERITIES[(labels.severity ?? '').toLocaleLowerCase('en-US')] ??
        'medium',
      labels,
      startsAtMs: Date.parse(a.startsAt),
      link: a.generatorURL,
    };
  });
}
