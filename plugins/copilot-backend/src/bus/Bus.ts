/** Topics of the copilot's pipeline (DESIGN.md section 3). */
export type BusTopic =
  | 'signal.ingest'
  | 'signal.detect'
  | 'signal.correlate'
  | 'rca.make'
  | 'rag.answer'
  | 'fix.plan'
  | 'fix.preflight'
  | 'fix.execute'
  | 'verify.run'
  | 'export.make';

export interface BusMessage<T = unknown> {
  topic: BusTopic;
  payload: T;
  publishedAt: string;
}

export type BusHandler<T = unknown> = (
  message: BusMessage<T>,
) => Promise<void> | void;

/** The pipeline's message bus: in-process by default, NATS JetStream between replicas. */
export interface Bus {
  publish<T>(topic: BusTopic, payload: T): Promise<void>;
  subscribe<T>(topic: BusTopic, handler: BusHandler<T>): () => void;
  close(): Promise<void>;
}
