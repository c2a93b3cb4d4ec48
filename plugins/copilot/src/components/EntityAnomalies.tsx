import { useCallback, useEffect, useState } from 'react';
import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type {
  Anomaly,
  DetectionStatus,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { timeAgo } from './IncidentTable';

interface AnomaliesState {
  loading: boolean;
  error?: Error;
  anomalies: Anomaly[];
  status?: DetectionStatus;
}

/** Recent anomalies of an entity and its detection status, refreshed every `refreshMs`. */
function useAnomalies(entityRef: string, refreshMs: number): AnomaliesState {
  const api = useApi(copilotApiRef);
  const [state, setState] = useState<AnomaliesState>({
    loading: true,
    anomalies: [],
  });
  const load = useCallback(async () => {
    try {
      const [list, status] = await Promise.all([
        api.listAnomalies({ entityRef, limit: 20 }),
        api.getDetectionStatus({ entityRef }),
      ]);
      setState({ loading: false, anomalies: list.items, status });
    } catch (error) {
      setState(s => ({ ...s, loading: false, error: error as Error }));
    }
  }, [api, entityRef]);
  useEffect(() => {
    load();
    const timer = setInterval(load, refreshMs);
    return () => clearInterval(timer);
  }, [load, refreshMs]);
  return state;
}

/** One line on what the detectors can do yet: watching, or still learning (cold start). */
export function detectionStatusText(status: DetectionStatus): string {
  if (status.series === 0)
    return 'No signals seen yet: detection starts with the first metrics or logs of this entity.';
  if (status.cold > 0)
    return (
      `Detection warming up: ${status.cold} of ${status.series} series are still learning their baseline ` +
      `and cannot alert yet (about ${status.maxWarmupRemaining} more minutes of data).`
    );
  return `Watching ${status.series} series (metrics, log volume, error lines and log templates).`;
}

const KIND_LABEL: Record<Anomaly['kind'], string> = {
  metric: 'metric',
  'log-volume': 'log volume',
  'log-errors': 'error lines',
  template: 'log template',
  'novel-template': 'new log signature',
};

/** The entity's recent anomaly windows with their evidence text, and whether detection is warm. */
export function EntityAnomalies(props: {
  entityRef: string;
  refreshMs?: number;
}) {
  const { loading, error, anomalies, status } = useAnomalies(
    props.entityRef,
    props.refreshMs ?? 15_000,
  );
  let body;
  if (loading) body = <Progress />;
  else if (error)
    body = (
      <ResponseErrorPanel error={error} title="Could not load anomalies" />
    );
  else if (anomalies.length === 0)
    body = (
      <EmptyState
        missing="data"
        title="No anomalies"
        description="The detectors have not seen anything unusual in this entity's signals."
      />
    );
  else
    body = (
      <table style={{ width: '100%', borderCollapse: 'collapse' }}>
        <caption style={{ textAlign: 'left' }}>Recent anomalies</caption>
        <thead>
          <tr>
            <th scope="col" align="left">
              When
            </th>
            <th scope="col" align="left">
              Signal
            </th>
            <th scope="col" align="left">
              Evidence
            </th>
            <th scope="col" align="right">
              Score
            </th>
            <th scope="col" align="left">
              Status
            </th>
          </tr>
        </thead>
        <tbody>
          {anomalies.map(a => (
            <tr key={a.id} data-testid="copilot-anomaly-row">
              <td title={a.windowFrom}>{timeAgo(a.windowFrom)}</td>
              <td>{KIND_LABEL[a.kind]}</td>
              <td>{a.summary}</td>
              <td align="right">{a.score.toFixed(2)}</td>
              <td>{a.status === 'open' ? 'ongoing' : 'ended'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  return (
    <InfoCard
      title="Anomalies"
      subheader={status && detectionStatusText(status)}
    >
      {body}
    </InfoCard>
  );
}
