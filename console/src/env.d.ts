/** The job page's queries (src/http/consoleQueries.ts), put in by esbuild at build time, keyed by global ID prefix. */
declare const JOBGRAPH_JOB_QUERIES: Record<string, string>;

/**
 * Each provider's global-ID grammar (console/build.mjs, from the provider registry), in registry
 * order: `prefix:part:…:part`, each part with its documented form and its anchored pattern's
 * source. The last part is the provider's own job ID.
 */
declare const JOBGRAPH_ID_GRAMMAR: readonly {
  provider: string;
  prefix: string;
  /** The provider as people name it (`AWS Batch`). */
  label: string;
  /** Whether listJobs lists it (it has a list operation that only reads). */
  listable: boolean;
  /** Whether its IDs may name an account by alias (`panorama@staging:…`). */
  aliased: boolean;
  parts: readonly { name: string; form: string; pattern: string }[];
}[];

/** The fields of `JobListSource` in the schema the console was built with (console/build.mjs). */
declare const JOBGRAPH_LIST_SOURCE_FIELDS: readonly string[];

/**
 * Per global ID prefix, the job page's field paths (list indices left out) of numbers that are Unix
 * times in seconds (src/http/consoleQueries.ts `consoleUnixTimeFields`), shown as DateTime is.
 */
declare const JOBGRAPH_UNIX_TIME_FIELDS: Record<string, readonly string[]>;
