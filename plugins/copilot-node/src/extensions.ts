import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type {
  IngestResult,
  SignalInput,
} from '@devops-copilot/backstage-plugin-copilot-common';

/**
 * Where a signal source delivers signals: the same pipeline as `POST /signals/ingest`
 * (validation, entity resolution, storage, detection).
 * @public
 */
export interface CopilotSignalSink {
  ingest(signals: SignalInput[]): Promise<IngestResult>;
}

/**
 * A source of signals that runs inside the backend: a simulator, or a module that pulls from
 * Prometheus, Loki, a deploy system...
 * @public
 */
export interface CopilotSignalSource {
  /** Unique id, used in logs and as the default `source` of its signals. */
  readonly id: string;
  /**
   * Called once, after the copilot plugin has started. The source pushes signals into the sink
   * (typically from a scheduled task of its own) until `signal` is aborted at shutdown.
   */
  start(
    sink: CopilotSignalSink,
    options: { signal: AbortSignal },
  ): Promise<void>;
}

/**
 * Extension point through which modules add signal sources to the copilot backend.
 * @public
 */
export interface CopilotSignalSourcesExtensionPoint {
  addSignalSource(...sources: CopilotSignalSource[]): void;
}

/**
 * @public
 */
export const copilotSignalSourcesExtensionPoint =
  createExtensionPoint<CopilotSignalSourcesExtensionPoint>({
    id: 'copilot.signal-sources',
  });
