export interface Config {
  copilot?: {
    /** The demo's signal simulator. */
    simulator?: {
      /** Stream simulated signals into the copilot (default false). */
      enabled?: boolean;
      /** Folder (or file) of catalog YAML describing the simulated system, relative to the backend's working directory. */
      catalogPath?: string;
      /** bad-deploy (default), config-change, flag-flip, dependency-failure, memory-leak, traffic-surge, slow-query, unrelated-deploy, none. */
      scenario?: string;
      /** Minutes after start at which the scenario's incident happens (default 0.5). */
      incidentAfterMinutes?: number;
      /** Minutes of normal history pushed at start (default 45). */
      backfillMinutes?: number;
      /** Seconds between two pushes (default 10). */
      tickSeconds?: number;
      /** Seed of the simulation (default 42). */
      seed?: number;
    };
  };
}
