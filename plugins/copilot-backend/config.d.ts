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
      /**
       * Cumulative counters and histograms become per-interval deltas; per backend process this many
       * series are remembered (default 200000, the stalest evicted) and a series idle this long is
       * forgotten (default 60 minutes). Either starts again from a baseline point.
       */
      cumulative?: {
        maxSeries?: number;
        maxIdleMinutes?: number;
      };
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
    /** Knowledge: runbooks, postmortems, ADRs and past incidents, hybrid search and cited answers. */
    knowledge?: {
      /** Largest document accepted by upload and the importers, in bytes (default 20 MiB). */
      maxDocBytes?: number;
      /** Dense embeddings: the built-in local embedder (default) or an OpenAI-compatible `/v1/embeddings`. */
      embeddings?: {
        /** `local` (LSA fitted on the stored chunks; no download, no network) or `openai` (default local). */
        provider?: 'local' | 'openai';
        /** OpenAI-compatible server, e.g. https://api.openai.com, an Azure/vLLM/Ollama endpoint (openai only). */
        baseUrl?: string;
        /** Embedding model, e.g. text-embedding-3-small (openai only). */
        model?: string;
        /**
         * API key (openai only).
         * @visibility secret
         */
        apiKey?: string;
        /** Vector size: the local embedder's rank (default 128); for openai the expected size (learned when unset). */
        dimensions?: number;
      };
      /** Folders imported on a schedule, e.g. `[{ path: ../../examples/runbooks, kind: runbook }]` (relative to the backend's working directory). */
      folders?: Array<{
        path: string;
        /** runbook (default), postmortem, adr or other. */
        kind?: 'runbook' | 'postmortem' | 'adr' | 'other';
      }>;
      /** Import the documents catalog entities name in `copilot.dev/runbook` (default true). */
      catalogImport?: boolean;
      /** Index past incidents (title, summary, top hypotheses, resolution) as documents (default true). */
      indexIncidents?: boolean;
      /** Share of the corpus that must change before the local embedder is refitted, in (0, 1] (default 0.2). */
      refitFraction?: number;
      /** Minutes between imports, refits and index rebuilds from the store (default 10). */
      refreshMinutes?: number;
    };
    /**
     * An OpenAI-compatible chat completions endpoint that writes cited answers over retrieved snippets only;
     * answers whose citations do not verify are rejected for the extractive answer. Unset: extractive only.
     */
    llm?: {
      /** e.g. https://api.openai.com or http://localhost:11434 (Ollama). */
      baseUrl: string;
      model: string;
      /**
       * API key.
       * @visibility secret
       */
      apiKey?: string;
      /** Request timeout in seconds (default 30). */
      timeoutSeconds?: number;
    };
    /** Fix plans, their preflight, approvals, runners and the signed audit chain (issue 7). */
    remediation?: {
      /** Cedar policies (text, each named with `@id("...")` and `@message("...")`); default: the built-in set. */
      policies?: string;
      /** A file with the Cedar policies, instead of `policies`. */
      policiesFile?: string;
      /** Judge plans with Open Policy Agent over its REST API instead of Cedar (same input document). */
      opa?: {
        /** e.g. http://opa:8181; the decision is POST `${url}/v1/data/${path}` with `{input}`. */
        url: string;
        /** Rego package path exposing `allow` and `deny` (default copilot/preflight). */
        path?: string;
        /** Request timeout in milliseconds (default 2000); no answer blocks the plan. */
        timeoutMs?: number;
      };
      /** Change-freeze windows: changes in them block (approved reverts only warn). */
      changeFreezes?: Array<{
        /** ISO-8601 start. */
        from: string;
        /** ISO-8601 end. */
        to: string;
        /** Environments frozen (default all). */
        environments?: Array<'production' | 'staging' | 'development'>;
        reason?: string;
      }>;
      /** Environments of entities without a `copilot.dev/environment` annotation. */
      environments?: Array<{
        /** Entity ref, e.g. component:default/cart. */
        entity: string;
        environment: 'production' | 'staging' | 'development';
      }>;
      /** Environment of entities neither annotated, configured nor with a known lifecycle (default production). */
      defaultEnvironment?: 'production' | 'staging' | 'development';
      /** Runners allowed without approval on non-production entities (default [dryrun]; dryrun is always allowed). */
      nonProductionRunners?: Array<'dryrun' | 'gitops' | 'agent'>;
      /**
       * ed25519 private key (PKCS#8 PEM) that signs audit rows and runner outputs. Required in production;
       * unset elsewhere, an ephemeral key is generated with a warning.
       * @visibility secret
       */
      signingKey?: string;
      /** The GitOps repository the gitops runner writes fixes to (token from integrations.github). */
      gitops?: {
        /** Clone URL (https://github.com/org/repo.git, or a path for local tests). */
        repoUrl: string;
        /** Branch the pull request targets (default main). */
        baseBranch?: string;
        /** Folder the plan's files go under, as `<path>/<plan id>/` (default remediations). */
        path?: string;
        /** GitHub URL of the repository the pull request is opened on (default repoUrl). */
        pullRequestRepoUrl?: string;
        authorName?: string;
        authorEmail?: string;
      };
      /** The in-cluster runner the agent runner renders Jobs for. */
      agent?: {
        /** Runner image (default ghcr.io/devops-copilot/runner:latest). */
        image?: string;
        /** Namespace of the runner Jobs (default copilot-runner). */
        namespace?: string;
        /** Service account of the runner Jobs (default copilot-runner). */
        serviceAccountName?: string;
      };
      /**
       * Cluster access for preflight: the live objects a plan targets (merge and drift checks against real
       * state) and a server-side dry run of its changes (`dryRun=All`, nothing is persisted). Without a
       * context, preflight makes no cluster calls.
       */
      kubernetes?: {
        /** Kubeconfig context for plans whose environment has no context in `contexts`. */
        context?: string;
        /** Kubeconfig context by the plan's environment. */
        contexts?: {
          production?: string;
          staging?: string;
          development?: string;
        };
        /** Kubeconfig file (default `$KUBECONFIG`, else ~/.kube/config). */
        kubeconfigPath?: string;
        /**
         * Kubeconfig YAML inline, instead of a file.
         * @visibility secret
         */
        kubeconfig?: string;
        /** Per request, in milliseconds (default 5000); no answer makes preflight warn that the server check did not run. */
        timeoutMs?: number;
      };
    };
  };
}
