import { createRouteRef } from '@backstage/frontend-plugin-api';

/** The copilot page, `/copilot`; incident details live under `/copilot/incidents/:id`. */
export const rootRouteRef = createRouteRef();
