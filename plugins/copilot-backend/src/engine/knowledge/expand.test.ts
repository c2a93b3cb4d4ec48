import { alertQueryText, expandIncidentQuery, stripTemplates } from './expand';

describe('query expansion', () => {
  it('builds an incident query from title, entity, top hypotheses, evidence and templates', () => {
    const q = expandIncidentQuery(
      {
        title: 'High error rate on checkout',
        entity: 'component:default/checkout-api',
        alertNames: ['KubePodCrashLooping'],
        hypotheses: [
          {
            statement: 'postgres connection pool exhausted',
            kind: 'resource_saturation',
          },
          { statement: 'deploy v2.3 introduced a regression', kind: 'change' },
          { statement: 'third', kind: 'x' },
          { statement: 'fourth is dropped', kind: 'x' },
        ],
        evidence: [
          { summary: 'p95 latency x12 on orders-db' },
          { summary: 'p95 latency x12 on orders-db' },
        ],
        templates: [
          'ERROR <*> could not obtain connection from pool after <*> ms',
        ],
      },
      { maxHypotheses: 3 },
    );
    const lines = q.split('\n');
    expect(lines[0]).toBe('High error rate on checkout');
    expect(lines).toContain('checkout-api');
    expect(lines).toContain('KubePodCrashLooping');
    expect(lines).toContain('resource saturation');
    expect(q).not.toContain('fourth');
    expect(
      lines.filter(l => l === 'p95 latency x12 on orders-db'),
    ).toHaveLength(1);
    expect(lines).toContain(
      'ERROR could not obtain connection from pool after ms',
    );
  });

  it('turns an alert into text without Go templates or PromQL syntax, name only when given', () => {
    expect(stripTemplates('pod {{ $labels.pod }} down')).toBe('pod   down');
    const q = alertQueryText({
      summary: 'Clock skew detected.',
      description:
        'Clock at {{ $labels.instance }} is out of sync by more than 0.05s.',
      expr: 'abs(node_timex_offset_seconds{job="node-exporter"}) > 0.05 and deriv(node_timex_offset_seconds[5m]) >= 0',
    });
    expect(q).toContain('node_timex_offset_seconds');
    expect(q).not.toMatch(/deriv|abs|\{\{|5m|0\.05\s*and/);
    expect(
      alertQueryText({
        name: 'NodeClockSkewDetected',
        summary: 's',
      }).startsWith('NodeClockSkewDetected'),
    ).toBe(true);
  });
});
