import { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type { Incident } from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { IncidentAnalysisCard } from './IncidentAnalysisCard';

/** One incident: what, where, since when, which other entities it affects, and its probable causes. */
export function IncidentDetails() {
  const { id = '' } = useParams();
  const api = useApi(copilotApiRef);
  const [state, setState] = useState<{ incident?: Incident; error?: Error }>(
    {},
  );
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    api
      .getIncident(id)
      .then(incident => live && setState({ incident }))
      .catch(error => live && setState({ error }));
    return () => {
      live = false;
    };
  }, [api, id, generation]);

  if (state.error)
    return (
      <ResponseErrorPanel
        error={state.error}
        title="Could not load the incident"
      />
    );
  if (!state.incident) return <Progress />;
  const i = state.incident;
  return (
    <>
      <InfoCard title={i.title} subheader={i.summary}>
        <StructuredMetadataTable
          metadata={{
            entity: <EntityRefLink entityRef={i.entityRef} />,
            status: i.status,
            severity: i.severity,
            source: i.source,
            opened: new Date(i.openedAt).toUTCString(),
            updated: new Date(i.updatedAt).toUTCString(),
            ...(i.resolvedAt
              ? { resolved: new Date(i.resolvedAt).toUTCString() }
              : {}),
            'affected entities': i.affectedEntityRefs.length ? (
              <ul>
                {i.affectedEntityRefs.map(ref => (
                  <li key={ref}>
                    <EntityRefLink entityRef={ref} />
                  </li>
                ))}
              </ul>
            ) : (
              'none seen'
            ),
            ...(i.createdBy ? { 'opened by': i.createdBy } : {}),
            ...i.labels,
          }}
        />
      </InfoCard>
      <div style={{ marginTop: 24 }}>
        <IncidentAnalysisCard
          incident={i}
          onAnalysed={() => setGeneration(g => g + 1)}
        />
      </div>
    </>
  );
}
