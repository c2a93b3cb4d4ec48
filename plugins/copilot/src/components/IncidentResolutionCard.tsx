import { useState } from 'react';
import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  Button,
  FormControlLabel,
  Radio,
  RadioGroup,
  TextField,
  Typography,
} from '@material-ui/core';
import type {
  Incident,
  IncidentStatus,
  UpdateIncidentRequest,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';
import { toProblem } from './problem';

const NONE = '';

/**
 * The responders' record: acknowledge, resolve or reopen, what fixed it, and which hypothesis was the
 * root cause. A confirmed cause makes later analyses weigh the same kind of change on that entity higher,
 * and goes into the incident's knowledge document.
 */
export function IncidentResolutionCard(props: {
  incident: Incident;
  onChanged: (incident: Incident) => void;
}) {
  const api = useApi(copilotApiRef);
  const i = props.incident;
  const candidates = (i.analysis?.hypotheses ?? []).filter(
    h => h.kind !== 'none' && h.entityRef,
  );
  const [summary, setSummary] = useState(i.resolution?.summary ?? '');
  const [hypothesisId, setHypothesisId] = useState(
    i.resolution?.rootCause?.hypothesisId ?? NONE,
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (status?: IncidentStatus) => {
    setBusy(true);
    setError(undefined);
    const resolution: UpdateIncidentRequest['resolution'] = {};
    if (summary.trim() && summary.trim() !== i.resolution?.summary)
      resolution.summary = summary.trim();
    if (
      hypothesisId !== NONE &&
      hypothesisId !== i.resolution?.rootCause?.hypothesisId
    )
      resolution.hypothesisId = hypothesisId;
    const request: UpdateIncidentRequest = {
      ...(status ? { status } : {}),
      ...(Object.keys(resolution).length ? { resolution } : {}),
    };
    try {
      if (!request.status && !request.resolution) {
        setError('Nothing to save: write what fixed it or pick the cause.');
        return;
      }
      props.onChanged(await api.updateIncident(i.id, request));
    } catch (e) {
      const p = toProblem(e);
      setError(`${p.title}: ${p.detail}`);
    } finally {
      setBusy(false);
    }
  };

  const rootCause = i.resolution?.rootCause;
  return (
    <InfoCard
      title="Resolution"
      subheader={
        i.resolution
          ? `Recorded ${new Date(i.resolution.at).toUTCString()}${
              i.resolution.by ? ` by ${i.resolution.by}` : ''
            }`
          : 'Nothing recorded yet'
      }
    >
      {rootCause && (
        <Typography paragraph data-testid="copilot-confirmed-cause">
          Confirmed root cause: {rootCause.kind.replace(/_/g, ' ')} at{' '}
          <EntityRefLink entityRef={rootCause.entityRef} />
        </Typography>
      )}
      <TextField
        label="What fixed it"
        multiline
        minRows={2}
        fullWidth
        variant="outlined"
        value={summary}
        onChange={e => setSummary(e.target.value)}
        inputProps={{ 'aria-label': 'What fixed it' }}
      />
      {candidates.length > 0 && (
        <>
          <Typography variant="subtitle2" style={{ marginTop: 16 }}>
            Which cause was it?
          </Typography>
          <RadioGroup
            aria-label="Root cause"
            value={hypothesisId}
            onChange={e => setHypothesisId(e.target.value)}
          >
            {candidates.map(h => (
              <FormControlLabel
                key={h.id}
                value={h.id}
                control={<Radio />}
                label={`${h.kind.replace(/_/g, ' ')} at ${
                  h.entityRef
                } (${Math.round(h.confidence * 100)}%)`}
              />
            ))}
            <FormControlLabel
              value={NONE}
              control={<Radio />}
              label="Not confirmed"
            />
          </RadioGroup>
        </>
      )}
      {error && <Typography color="error">{error}</Typography>}
      <div style={{ marginTop: 16, display: 'flex', gap: 8 }}>
        {i.status === 'open' && (
          <Button
            variant="outlined"
            disabled={busy}
            onClick={() => submit('acknowledged')}
          >
            Acknowledge
          </Button>
        )}
        {i.status !== 'resolved' ? (
          <Button
            variant="contained"
            color="primary"
            disabled={busy}
            onClick={() => submit('resolved')}
          >
            Resolve
          </Button>
        ) : (
          <Button
            variant="outlined"
            disabled={busy}
            onClick={() => submit('open')}
          >
            Reopen
          </Button>
        )}
        <Button disabled={busy} onClick={() => submit()}>
          Save notes
        </Button>
      </div>
    </InfoCard>
  );
}
