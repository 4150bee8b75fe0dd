/** The job page's queries (src/http/consoleQueries.ts), put in by esbuild at build time, keyed by global ID prefix. */
declare const JOBGRAPH_JOB_QUERIES: Record<string, string>;
