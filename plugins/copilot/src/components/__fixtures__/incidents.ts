// Incidents of the component tests: one opened by an alert on checkout, analysed, with the cause, the
// blast radius and the SLOs at risk.
import type { Incident } from '@devops-copilot/backstage-plugin-copilot-common';

const now = new Date().toISOString();

/** An open incident on checkout, without an analysis; `over` replaces fields. */
export function testIncident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'i-1',
    title: 'checkout is failing',
    entityRef: 'component:default/checkout',
    status: 'open',
    severity: 'high',
    source: 'alertmanager',
    affectedEntityRefs: [],
    labels: {},
    openedAt: now,
    updatedAt: now,
    ...over,
  };
}

/** The same incident analysed: orders-db's config change first, its blast radius and SLOs at risk. */
export const analysedIncident: Incident = testIncident({
  analysis: {
    id: 'a-1',
    incidentId: 'i-1',
    windowFrom: now,
    windowTo: now,
    abstained: false,
    unexplained: 0.05,
    durationMs: 40,
    createdAt: now,
    hypotheses: [
      {
        id: 'h-1',
        rank: 1,
        kind: 'config_change',
        entityRef: 'resource:default/orders-db',
        statement:
          'A config change of orders-db (max_connections 200 -> 100) 2 min before its latency rose.',
        confidence: 0.82,
        supportEvidenceIds: ['e-1', 'e-2'],
        counterEvidenceIds: [],
        createdAt: now,
      },
    ],
    blastRadius: {
      rootEntityRef: 'resource:default/orders-db',
      impacted: [
        {
          entityRef: 'component:default/payments',
          depth: 1,
          anomalous: true,
        },
      ],
      owners: ['group:default/team-db'],
      slosAtRisk: [
        {
          entityRef: 'component:default/checkout',
          name: 'availability',
          objective: 0.999,
          errorBudgetRemaining: -0.42,
        },
        {
          entityRef: 'component:default/payments',
          name: 'latency_p95_ms',
          objective: 0.99,
          errorBudgetRemaining: 0.3,
        },
      ],
      risk: {
        level: 'high',
        score: 0.8,
        reason: '2 of 2 dependents anomalous',
      },
    },
  },
});
