import { useState } from 'react';
import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Button, Typography } from '@material-ui/core';
import type {
  Incident,
  IncidentAnalysis,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';

const KIND: Record<string, string> = {
  bad_deploy: 'bad deploy',
  config_change: 'config change',
  flag_flip: 'feature-flag flip',
  dependency_failure: 'dependency failure',
  resource_saturation: 'resource saturation',
  memory_leak: 'memory leak',
  traffic_surge: 'traffic surge',
  slow_query: 'slow query',
  network: 'network',
  none: 'no single cause',
};

/** The ranked probable causes of an incident, the blast radius, and a button to analyse again. */
export function IncidentAnalysisCard(props: {
  incident: Incident;
  onAnalysed: () => void;
  pollMs?: number;
}) {
  const api = useApi(copilotApiRef);
  const [running, setRunning] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const analysis: IncidentAnalysis | undefined = props.incident.analysis;

  const analyse = async () => {
    setError(undefined);
    try {
      const { taskId } = await api.analyzeIncident(props.incident.id);
      setRunning('starting');
      for (;;) {
        const task = await api.getTask(taskId);
        if (task.status === 'succeeded') break;
        if (task.status === 'failed') throw new Error(task.error ?? 'failed');
        setRunning(task.message ?? task.status);
        await new Promise(r => setTimeout(r, props.pollMs ?? 500));
      }
      setRunning(undefined);
      props.onAnalysed();
    } catch (e) {
      setRunning(undefined);
      setError(String((e as Error).message ?? e));
    }
  };

  return (
    <InfoCard
      title="Probable causes"
      subheader={
        analysis
          ? `Analysed ${new Date(
              analysis.createdAt,
            ).toUTCString()} over ${new Date(
              analysis.windowFrom,
            ).toUTCString()} – ${new Date(analysis.windowTo).toUTCString()}`
          : 'Not analysed yet'
      }
      action={
        <Button
          variant="outlined"
          disabled={running !== undefined}
          onClick={analyse}
        >
          {running !== undefined ? `Analysing: ${running}` : 'Analyse again'}
        </Button>
      }
    >
      {error && <Typography color="error">Analysis failed: {error}</Typography>}
      {analysis && (
        <>
          {analysis.abstained && (
            <Typography paragraph>
              Nothing explains this incident well
              {analysis.abstainReason ? `: ${analysis.abstainReason}` : ''}.
            </Typography>
          )}
          <ol>
            {analysis.hypotheses.map(h => (
              <li key={h.id} data-testid="copilot-hypothesis">
                <Typography variant="subtitle2" component="span">
                  {KIND[h.kind] ?? h.kind}
                  {h.entityRef && (
                    <>
                      {' at '}
                      <EntityRefLink entityRef={h.entityRef} />
                    </>
                  )}{' '}
                  — {Math.round(h.confidence * 100)}%
                </Typography>
                <Typography variant="body2">{h.statement}</Typography>
                <Typography variant="caption">
                  {h.supportEvidenceIds.length} supporting,{' '}
                  {h.counterEvidenceIds.length} counter evidence
                </Typography>
              </li>
            ))}
          </ol>
          {analysis.blastRadius && (
            <>
              <Typography variant="h6" component="h3">
                Blast radius: {analysis.blastRadius.risk.level} risk
              </Typography>
              <Typography variant="body2" paragraph>
                {analysis.blastRadius.risk.reason}
              </Typography>
              <Typography variant="body2">
                {analysis.blastRadius.impacted.length} impacted entities; page:{' '}
                {analysis.blastRadius.owners.join(', ') || 'no owner known'}
              </Typography>
              {analysis.blastRadius.slosAtRisk.length > 0 && (
                <>
                  <Typography variant="subtitle2" component="h4">
                    SLOs at risk
                  </Typography>
                  <ul>
                    {analysis.blastRadius.slosAtRisk.map(slo => (
                      <li
                        key={`${slo.entityRef}:${slo.name}`}
                        data-testid="copilot-slo-at-risk"
                      >
                        <EntityRefLink entityRef={slo.entityRef} /> {slo.name}
                        {slo.objective !== undefined
                          ? ` (${(slo.objective * 100).toPrecision(4)}%)`
                          : ''}
                        :{' '}
                        {slo.errorBudgetRemaining >= 0
                          ? `${Math.round(
                              slo.errorBudgetRemaining * 100,
                            )}% of the error budget left`
                          : `error budget overspent by ${Math.round(
                              -slo.errorBudgetRemaining * 100,
                            )}%`}
                      </li>
                    ))}
                  </ul>
                </>
              )}
              <ul>
                {analysis.blastRadius.impacted.slice(0, 20).map(e => (
                  <li key={e.entityRef}>
                    <EntityRefLink entityRef={e.entityRef} /> (depth {e.depth}
                    {e.anomalous ? ', anomalous' : ''}
                    {e.callsPerMinute !== undefined
                      ? `, ${Math.round(e.callsPerMinute)} calls/min to it`
                      : ''}
                    )
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </InfoCard>
  );
}
