export interface Config {
  /** DevOps Copilot backend. */
  copilot?: {
    /** The pipeline's bus: in-process unless NATS is configured. */
    bus?: {
      /** NATS JetStream, for several backend replicas. */
      nats?: {
        /** Server URLs, e.g. nats://nats:4222. */
        servers: string[];
        /** Stream name (default COPILOT). */
        stream?: string;
        /** Subject prefix (default copilot). */
        subjectPrefix?: string;
        /** Durable consumer name prefix shared by the replicas (default copilot). */
        durablePrefix?: string;
      };
    };
    ingest?: {
      /** Largest accepted request body of POST /signals/ingest, in bytes (default 10 MiB). */
      maxBodyBytes?: number;
      /** Largest NDJSON stream of POST /signals/ingest, in bytes; read line by line (default 1 GiB). */
      maxStreamBytes?: number;
      /** Most signals accepted in one batch (default 50000). */
      maxBatchItems?: number;
      /**
       * Extra text-log profiles, tried before the built-in ones (nginx/apache access, klog, syslog,
       * logback, python). Named groups become fields; `level`/`lvl`, `message`, `status`, `latency`,
       * `trace` and `timestamp` are understood.
       */
      profiles?: Array<{
        /** Profile name, shown as the line's format. */
        name: string;
        /** A JavaScript regular expression with named groups, e.g. ^(?<lvl>\w+) (?<message>.*)$ */
        pattern: string;
        /** Unit of the `latency` group (default ms). */
        latencyUnit?: 's' | 'ms' | 'us';
      }>;
      /** The raw sample kept of log lines (the rest is aggregated into templates and rollups). */
      sampling?: {
        /** Lines kept per entity, minute and template (default 3). */
        perTemplateMinute?: number;
        /** Lines kept per entity and minute (default 200). */
        perEntityMinute?: number;
        /** Lines kept per minute that no catalog entity claims (default 5000). */
        unattributedPerMinute?: number;
        /** Hours the sample is kept; whole hourly partitions are dropped (default 48). */
        retentionHours?: number;
      };
      /** Novel log signatures: new templates unlike every earlier template of their entity. */
      novelty?: {
        /** Lines an entity must have sent before a new template can be novel (default 500). */
        warmupLines?: number;
        /** Least MinHash similarity to a known template for a new one not to be novel (default 0.5). */
        similarity?: number;
      };
    };
    signals?: {
      /** Days deploys, events and unattributed metric points are kept row by row (default 7). */
      retentionDays?: number;
    };
    rollups?: {
      /** Days per-minute log volume and metric rollups are kept (default 30). */
      retentionDays?: number;
    };
    /** Root-cause analysis of incidents. */
    analysis?: {
      /** Analyse every new incident at once, over the hour before it opened (default true). */
      autoOnOpen?: boolean;
      /**
       * Whose series an analysis reads: `neighbourhood` (default) the alert entity, everything it depends
       * on or that depends on it, the other callers of its dependencies, and every entity with an anomaly
       * or a change in the window; `all` every entity (slower on large catalogs).
       */
      scope?: 'neighbourhood' | 'all';
    };
    /**
     * The detect stage: streaming anomaly detectors on every metric rollup, log volume, error-level
     * count and log-template count series, which store anomaly windows as evidence candidates.
     */
    detect?: {
      /** Run the detect stage (default true). */
      enabled?: boolean;
      /** Seconds after a minute ends before it is decided on, so late lines still count (default 5). */
      graceSeconds?: number;
      /** Minutes between two checkpoints of the detectors' state; a restart replays the rollups since (default 30). */
      checkpointMinutes?: number;
      /** Hours of rollup history the detectors learn from on their first start (default 168). */
      bootstrapHours?: number;
      /** Normal minutes that close an anomaly window (default 5). */
      closeAfterMinutes?: number;
      /** An open anomaly window stays open while the ensemble score is at least this (default 0.5). */
      continueScore?: number;
      /** Ensemble score at which a point alerts, in (0, 1) (default: the detectors' own). */
      alertThreshold?: number;
      /** Most series watched; the longest idle log-template series are dropped first (default 50000). */
      maxSeries?: number;
      /** Days closed anomaly windows are kept (default 90). */
      anomalyRetentionDays?: number;
    };
    /** The robust-baseline detector that opens incidents from error rates. */
    triage?: {
      /** Minutes of history the baseline median/MAD is computed over (default 30). */
      baselineMinutes?: number;
      /** Minutes of history needed before the detector may fire (default 5). */
      minHistoryMinutes?: number;
      /** Robust sigmas above the baseline that count as anomalous (default 6). */
      sigmaThreshold?: number;
      /** The error rate must also reach this fraction (default 0.05). */
      absoluteFloor?: number;
      /** Smallest robust scale, as a fraction (default 0.005). */
      minScale?: number;
      /** Latest complete minutes examined (default 3). */
      recentMinutes?: number;
      /** Minutes before the onset in which a deploy or change is named as suspect (default 15). */
      changeLookbackMinutes?: number;
      /** Observations the current minute needs before it is examined too; 0 waits for complete minutes (default 3). */
      minPartialObservations?: number;
      /** Least seconds between two detection runs; ingests in between coalesce (default 10). */
      minIntervalSeconds?: number;
    };
  };
}
