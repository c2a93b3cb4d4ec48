import { useEffect, useState } from 'react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { LinearProgress, Typography } from '@material-ui/core';
import type { SloReport } from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';

const pct = (v: number, digits = 2) => `${(v * 100).toFixed(digits)}%`;
const count = (v?: number) => Math.round(v ?? 0).toLocaleString('en-US');
const windowMinutes = (r: SloReport) =>
  (Date.parse(r.windowTo) - Date.parse(r.windowFrom)) / 60_000;

/** `47 minutes`, `5.2 hours`, `3.1 days`. */
function durationText(minutes: number): string {
  if (minutes < 120) return `${minutes} minutes`;
  if (minutes < 2 * 1440) return `${(minutes / 60).toFixed(1)} hours`;
  return `${(minutes / 1440).toFixed(1)} days`;
}

/** What an SLO asks for, in words: `99.9% good over 30d` or `latency_p95_ms < 300 in 99% of minutes over 7d`. */
function objectiveText(r: SloReport): string {
  return r.type === 'ratio'
    ? `${pct(r.objective)} good over ${r.window}`
    : `${r.name} ${r.comparator} ${r.threshold} in ${pct(
        r.objective,
        1,
      )} of minutes over ${r.window}`;
}

/** A burn rate in words: how fast the last hour spends the budget. */
function burnText(burn: number): string {
  if (burn >= 14.4) return `${burn.toFixed(1)}x: page now`;
  if (burn >= 6) return `${burn.toFixed(1)}x: fast burn`;
  if (burn > 1)
    return `${burn.toFixed(1)}x: spending faster than the window allows`;
  return `${burn.toFixed(2)}x`;
}

function SloCard(props: { report: SloReport }) {
  const r = props.report;
  const budget = r.errorBudgetRemaining;
  return (
    <div data-testid="copilot-slo" style={{ marginBottom: 24 }}>
      <Typography variant="h6" component="h3">
        {r.name}
      </Typography>
      <Typography variant="body2" color="textSecondary">
        {objectiveText(r)}
        {r.source ? ` · from ${r.source}` : ''}
      </Typography>
      {r.sli === undefined ? (
        <Typography variant="body2">{r.missing ?? 'No data'}</Typography>
      ) : (
        <>
          <Typography variant="body1">
            SLI {pct(r.sli, 3)} ({count(r.good)} good of {count(r.total)}
            {r.type === 'threshold' ? ' minutes' : ''})
            {r.minutesWithData !== undefined &&
            r.minutesWithData < windowMinutes(r)
              ? ` · ${durationText(r.minutesWithData)} of data in the ${
                  r.window
                } window`
              : ''}
          </Typography>
          {budget !== undefined && (
            <>
              <LinearProgress
                variant="determinate"
                value={Math.max(0, Math.min(100, budget * 100))}
                color={budget < 0.25 ? 'secondary' : 'primary'}
                aria-label={`${r.name} error budget left`}
              />
              <Typography variant="body2">
                {budget >= 0
                  ? `${pct(budget, 0)} of the error budget left`
                  : `error budget overspent by ${pct(-budget, 0)}`}
                {r.burnRate1h !== undefined
                  ? ` · burn rate over the last hour ${burnText(r.burnRate1h)}`
                  : ''}
              </Typography>
            </>
          )}
        </>
      )}
    </div>
  );
}

/** The entity page's Reliability tab: the SLOs the entity declares, their error budgets and burn rates. */
export function EntityReliabilityContent(props: { refreshMs?: number }) {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(copilotApiRef);
  const [state, setState] = useState<{ items?: SloReport[]; error?: Error }>(
    {},
  );
  useEffect(() => {
    let live = true;
    const load = () =>
      api
        .getSlos(entityRef)
        .then(r => live && setState({ items: r.items }))
        .catch(error => live && setState({ error }));
    load();
    const timer = setInterval(load, props.refreshMs ?? 60_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, entityRef, props.refreshMs]);

  if (state.error)
    return (
      <ResponseErrorPanel error={state.error} title="Could not load the SLOs" />
    );
  if (!state.items) return <Progress />;
  return (
    <InfoCard
      title="Service level objectives"
      subheader={`From the copilot.dev/slo annotation of ${entity.metadata.name}, computed over the copilot's rollups`}
    >
      {state.items.length === 0 ? (
        <Typography>
          No SLO could be read from the annotation (the catalog reports why on
          the entity).
        </Typography>
      ) : (
        state.items.map(r => <SloCard key={r.name} report={r} />)
      )}
    </InfoCard>
  );
}
