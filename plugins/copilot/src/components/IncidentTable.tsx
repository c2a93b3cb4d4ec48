import { Link } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { makeStyles } from '@material-ui/core/styles';
import type { Incident } from '@devops-copilot/backstage-plugin-copilot-common';

const useStyles = makeStyles(theme => ({
  table: {
    width: '100%',
    borderCollapse: 'collapse',
    '& th, & td': {
      textAlign: 'left',
      padding: theme.spacing(1, 1.5),
      borderBottom: `1px solid ${theme.palette.divider}`,
      verticalAlign: 'top',
    },
    '& th': { color: theme.palette.text.secondary, fontWeight: 600 },
  },
  summary: {
    color: theme.palette.text.secondary,
    marginTop: theme.spacing(0.5),
  },
  critical: { color: theme.palette.error.main, fontWeight: 600 },
  high: { color: theme.palette.warning.main, fontWeight: 600 },
  other: { color: theme.palette.text.primary },
}));

/** Time since an ISO timestamp, in words (“5 min ago”). */
export function timeAgo(iso: string, nowMs: number = Date.now()): string {
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

export interface IncidentTableProps {
  incidents: Incident[];
  /** Base path of incident details (`/copilot`). */
  incidentsPath: string;
  showEntity?: boolean;
  caption: string;
}

/** An accessible table of incidents: status and severity are words, not only colours. */
export function IncidentTable(props: IncidentTableProps) {
  const classes = useStyles();
  const { incidents, incidentsPath, showEntity = true, caption } = props;
  const severityClass = (s: Incident['severity']) => {
    if (s === 'critical') return classes.critical;
    if (s === 'high') return classes.high;
    return classes.other;
  };
  return (
    <table className={classes.table} aria-label={caption}>
      <caption style={{ position: 'absolute', left: -10000 }}>
        {caption}
      </caption>
      <thead>
        <tr>
          <th scope="col">Incident</th>
          {showEntity && <th scope="col">Entity</th>}
          <th scope="col">Status</th>
          <th scope="col">Severity</th>
          <th scope="col">Source</th>
          <th scope="col">Opened</th>
        </tr>
      </thead>
      <tbody>
        {incidents.map(incident => (
          <tr key={incident.id} data-testid="copilot-incident-row">
            <td>
              <Link
                to={`${incidentsPath}/incidents/${encodeURIComponent(
                  incident.id,
                )}`}
              >
                {incident.title}
              </Link>
              {incident.summary && (
                <div className={classes.summary}>{incident.summary}</div>
              )}
            </td>
            {showEntity && (
              <td>
                <EntityRefLink entityRef={incident.entityRef} />
              </td>
            )}
            <td>{incident.status}</td>
            <td className={severityClass(incident.severity)}>
              {incident.severity}
            </td>
            <td>{incident.source}</td>
            <td>
              <time
                dateTime={incident.openedAt}
                title={new Date(incident.openedAt).toUTCString()}
              >
                {timeAgo(incident.openedAt)}
              </time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
