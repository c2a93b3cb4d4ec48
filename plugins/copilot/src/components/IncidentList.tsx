import { useState } from 'react';
import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import type { IncidentStatus } from '@devops-copilot/backstage-plugin-copilot-common';
import { rootRouteRef } from '../routes';
import { useIncidents } from './useIncidents';
import { IncidentTable } from './IncidentTable';

const STATUSES: Array<IncidentStatus | 'all'> = [
  'open',
  'acknowledged',
  'resolved',
  'all',
];

export interface IncidentListProps {
  /** Only incidents of (or affecting) this entity. */
  entityRef?: string;
  title: string;
  refreshMs?: number;
}

/** Incidents with a status filter, paging and loading, empty and error states. */
export function IncidentList(props: IncidentListProps) {
  const { entityRef, title, refreshMs } = props;
  const [status, setStatus] = useState<IncidentStatus | 'all'>('all');
  const root = useRouteRef(rootRouteRef);
  const { loading, error, incidents, hasMore, loadMore } = useIncidents({
    entityRef,
    status: status === 'all' ? undefined : status,
    refreshMs,
  });

  const filter = (
    <label>
      Status{' '}
      <select
        aria-label="Filter incidents by status"
        value={status}
        onChange={e => setStatus(e.target.value as IncidentStatus | 'all')}
      >
        {STATUSES.map(s => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );

  let body;
  if (loading) {
    body = <Progress />;
  } else if (error) {
    body = (
      <ResponseErrorPanel error={error} title="Could not load incidents" />
    );
  } else if (incidents.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No incidents"
        description="The copilot opens one when it sees an anomaly in this entity's signals."
      />
    );
  } else {
    body = (
      <>
        <IncidentTable
          incidents={incidents}
          incidentsPath={root?.() ?? '/copilot'}
          showEntity={!entityRef}
          caption={title}
        />
        {hasMore && (
          <button type="button" onClick={loadMore}>
            Load more
          </button>
        )}
      </>
    );
  }
  return (
    <InfoCard title={title} action={filter}>
      {body}
    </InfoCard>
  );
}
