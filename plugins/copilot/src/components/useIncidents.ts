import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import type {
  Incident,
  IncidentStatus,
} from '@devops-copilot/backstage-plugin-copilot-common';
import { copilotApiRef } from '../api';

export interface IncidentsState {
  loading: boolean;
  error?: Error;
  incidents: Incident[];
  hasMore: boolean;
  loadMore: () => void;
}

/**
 * Incidents for an entity (or all), newest first, refreshed every `refreshMs` so an incident the
 * copilot opens shows up without a reload. Extra pages are appended by `loadMore`.
 */
export function useIncidents(options: {
  entityRef?: string;
  status?: IncidentStatus;
  pageSize?: number;
  refreshMs?: number;
}): IncidentsState {
  const api = useApi(copilotApiRef);
  const { entityRef, status, pageSize = 25, refreshMs = 10_000 } = options;
  const [pages, setPages] = useState(1);
  const [state, setState] = useState<Omit<IncidentsState, 'loadMore'>>({
    loading: true,
    incidents: [],
    hasMore: false,
  });
  const generation = useRef(0);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const incidents: Incident[] = [];
      let cursor: string | undefined;
      let hasMore = false;
      for (let page = 0; page < pages; page++) {
        const result = await api.listIncidents({
          entityRef,
          status,
          limit: pageSize,
          cursor,
        });
        incidents.push(...result.items);
        cursor = result.nextCursor;
        hasMore = !!cursor;
        if (!cursor) break;
      }
      if (mine === generation.current)
        setState({ loading: false, incidents, hasMore });
    } catch (error) {
      if (mine === generation.current) {
        setState(s => ({ ...s, loading: false, error: error as Error }));
      }
    }
  }, [api, entityRef, status, pageSize, pages]);

  useEffect(() => {
    setState(s => ({
      ...s,
      loading: s.incidents.length === 0,
      error: undefined,
    }));
    load();
    const timer = setInterval(load, refreshMs);
    return () => clearInterval(timer);
  }, [load, refreshMs]);

  return { ...state, loadMore: () => setPages(p => p + 1) };
}
