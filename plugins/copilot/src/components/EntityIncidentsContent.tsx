import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import { IncidentList } from './IncidentList';
import { EntityAnomalies } from './EntityAnomalies';

/** The entity page's Incidents tab: incidents opened on this entity or affecting it. */
export function EntityIncidentsContent(props: { refreshMs?: number }) {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  return (
    <>
      <Typography variant="h4" component="h2" gutterBottom>
        Incidents
      </Typography>
      <IncidentList
        entityRef={entityRef}
        title={`Incidents of ${entity.metadata.name}`}
        refreshMs={props.refreshMs}
      />
      <div style={{ marginTop: 24 }}>
        <EntityAnomalies entityRef={entityRef} refreshMs={props.refreshMs} />
      </div>
    </>
  );
}
