import { Route, Routes } from 'react-router-dom';
import { Content, Header, Link, Page } from '@backstage/core-components';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import { rootRouteRef } from '../routes';
import { IncidentList } from './IncidentList';
import { IncidentDetails } from './IncidentDetails';
import { KnowledgeDocs } from './KnowledgeDocs';

/** The /copilot page: every incident, the details of one, and the knowledge store. */
export function CopilotPage() {
  const root = useRouteRef(rootRouteRef)?.() ?? '/copilot';
  return (
    <Page themeId="tool">
      <Header
        title="DevOps Copilot"
        subtitle="Incidents the copilot opened or was told about, with their evidence"
      >
        <nav aria-label="Copilot sections">
          <Link to={root}>Incidents</Link>
          {' · '}
          <Link to={`${root}/knowledge`}>Knowledge</Link>
        </nav>
      </Header>
      <Content>
        <Routes>
          <Route path="/" element={<IncidentList title="All incidents" />} />
          <Route path="/incidents/:id" element={<IncidentDetails />} />
          <Route path="/knowledge" element={<KnowledgeDocs />} />
        </Routes>
      </Content>
    </Page>
  );
}
