import { Route, Routes } from 'react-router-dom';
import { Content, Header, Page } from '@backstage/core-components';
import { IncidentList } from './IncidentList';
import { IncidentDetails } from './IncidentDetails';

/** The /copilot page: every incident, and the details of one. */
export function CopilotPage() {
  return (
    <Page themeId="tool">
      <Header
        title="DevOps Copilot"
        subtitle="Incidents the copilot opened or was told about, with their evidence"
      />
      <Content>
        <Routes>
          <Route path="/" element={<IncidentList title="All incidents" />} />
          <Route path="/incidents/:id" element={<IncidentDetails />} />
        </Routes>
      </Content>
    </Page>
  );
}
