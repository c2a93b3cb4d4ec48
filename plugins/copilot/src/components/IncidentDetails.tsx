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
import { RunbooksCard } from './RunbooksCard';
import { FixPlansCard } from './FixPlansCard';
import { IncidentResolutionCard } from './IncidentResolutionCard';

/**
 * One incident: what, where, since when, which other entities it affects, its probable causes, the
 * responders' resolution (status, what fixed it, the confirmed cause), the runbooks and past incidents
 * that match it, and its fix plans.
 */
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
      <div style={{ marginTop: 24 }}>
        <IncidentResolutionCard
          key={`${i.updatedAt}:${i.analysis?.id ?? 'none'}`}
          incident={i}
          onChanged={incident => setState({ incident })}
        />
      </div>
      <div style={{ marginTop: 24 }}>
        {/* the search query is expanded from the analysis, so a new analysis searches again */}
        <RunbooksCard key={i.analysis?.id ?? 'none'} incidentId={i.id} />
      </div>
      <div style={{ marginTop: 24 }}>
        <FixPlansCard incidentId={i.id} />
      </div>
    </>
  );
}
