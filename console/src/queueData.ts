// The Queues page's data (console/src/queues.tsx): the queues as `jobQueues` describes them, then
// each queue's front (schema/queues.graphql, docs/queues.md), then the shown front jobs' names.
// The front needs GetJobQueueSnapshot: asked apart, each queue under its own alias of the nullable
// `jobQueue`, a failed snapshot costs that queue's front only, never the page. The front's jobs
// are read by ARN with `jobs(ids:)`, the first FRONT_SHOWN of each queue only: `front { job }`
// would describe all of a front's (up to 100 a queue, past the request's job budget).
import { useEffect, useState } from 'preact/hooks';
import { TokenRefusedError, consolePath, graphql, type GqlError } from './api.ts';
import { codeWords } from './format.ts';

/** Where the page is. */
export const QUEUES_PATH = `${consolePath}/queues`;

/** How many of a queue's front the page shows. */
export const FRONT_SHOWN = 10;

/** The window of the waits the page shows, hours. */
export const WAIT_HOURS = 24;

export interface EnvironmentShown {
  name: string;
  type: string;
  state: string | null;
  status: string | null;
  statusReason: string | null;
  minvCpus: number | null;
  desiredvCpus: number | null;
  maxvCpus: number | null;
  instanceTypes: string[];
}

export interface QueueShown {
  id: string;
  name: string;
  accountAlias: string;
  region: string;
  state: string | null;
  status: string | null;
  statusReason: string | null;
  priority: number | null;
  computeEnvironments: EnvironmentShown[];
  counts: { state: string; jobs: number }[];
  waitSeconds: { samples: number; p50: number | null; p90: number | null };
}

export interface QueuedShown {
  position: number;
  jobArn: string;
  earliestTimeAtPosition: string | null;
}

/** A queue's front as read: its jobs, or why it could not be read. */
export type FrontShown = { jobs: QueuedShown[] } | { error: string };

/** A front job as `jobs(ids:)` answers it by ARN; null when it could not be read. */
export type FrontJob = { id: string; name: string | null } | null;

const QUEUES_QUERY = `query ConsoleQueues($hours: Int) { jobQueues {
  id name accountAlias region state status statusReason priority
  computeEnvironments { name type state status statusReason minvCpus desiredvCpus maxvCpus instanceTypes }
  counts { state jobs } waitSeconds(hours: $hours) { samples p50 p90 } } }`;

const FRONT_FIELDS = 'id front { position jobArn earliestTimeAtPosition }';
const JOBS_QUERY = 'query ConsoleFrontJobs($ids: [ID!]!) { jobs(ids: $ids) { id name } }';

/**
 * Queues a fronts request asks: a front costs about 1,200 (its jobs, a page of up to 100), so 3
 * stay within JOBGRAPH_MAX_COST's default 5,000 (five in one request were refused) and within
 * JOBGRAPH_MAX_ROOT_FIELDS (20).
 */
const QUEUES_PER_REQUEST = 3;
/** ARNs a `jobs(ids:)` request asks (JOBGRAPH_MAX_JOB_IDS' default). */
const JOBS_PER_REQUEST = 100;

/** One request for these queues' fronts: `q0: jobQueue(id: $q0) { … }`, one alias a queue. */
function frontsQuery(count: number): string {
  const vars = Array.from({ length: count }, (_, i) => `$q${i}: ID!`).join(', ');
  const fields = Array.from(
    { length: count },
    (_, i) => `q${i}: jobQueue(id: $q${i}) { ${FRONT_FIELDS} }`,
  ).join(' ');
  return `query ConsoleQueueFronts(${vars}) { ${fields} }`;
}

/** `items` in runs of `size`. */
const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

/** An error in words ("unavailable: …"). */
const inWords = (e: GqlError) => `${codeWords(e.extensions?.code)}: ${e.message}`;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What went wrong, for the page: a refused token goes to `onRefused`, an abort is nothing. */
function reported(onRefused: (m: string) => void, setError: (m: string) => void) {
  return (err: unknown) => {
    if (err instanceof TokenRefusedError) onRefused(err.message);
    else if (!(err instanceof DOMException && err.name === 'AbortError')) setError(messageOf(err));
  };
}

/** These queues' fronts by queue ID, each its jobs or why it could not be read. */
async function readFronts(
  ids: readonly string[],
  token: string,
  signal: AbortSignal,
): Promise<Map<string, FrontShown>> {
  const variables = Object.fromEntries(ids.map((id, i) => [`q${i}`, id]));
  const fronts = new Map<string, FrontShown>();
  try {
    const { data, errors } = await graphql<Record<string, { front: QueuedShown[] } | null>>(
      frontsQuery(ids.length),
      variables,
      token,
      signal,
    );
    ids.forEach((id, i) => {
      const read = data?.[`q${i}`];
      const failed = errors?.filter((e) => e.path?.[0] === `q${i}` || !e.path) ?? [];
      if (read) fronts.set(id, { jobs: read.front });
      else fronts.set(id, { error: failed.map(inWords).join('; ') || 'no answer' });
    });
  } catch (err) {
    if (err instanceof TokenRefusedError || signal.aborted) throw err;
    for (const id of ids) fronts.set(id, { error: messageOf(err) });
  }
  return fronts;
}

/** The jobs at these ARNs by ARN (`jobs(ids:)` answers in the order asked). */
async function readJobs(
  arns: readonly string[],
  token: string,
  signal: AbortSignal,
): Promise<Map<string, FrontJob>> {
  const answer = await graphql<{ jobs: FrontJob[] }>(JOBS_QUERY, { ids: arns }, token, signal);
  const jobs = answer.data?.jobs ?? [];
  return new Map(arns.map((arn, i) => [arn, jobs[i] ?? null]));
}

/** Every queue's front in runs of QUEUES_PER_REQUEST, then the jobs each shows, by ARN. */
async function readAllFronts(
  ids: readonly string[],
  token: string,
  signal: AbortSignal,
  show: (fronts: Map<string, FrontShown>, jobs: Map<string, FrontJob>) => void,
): Promise<void> {
  const runs = await Promise.all(
    chunks(ids, QUEUES_PER_REQUEST).map((run) => readFronts(run, token, signal)),
  );
  const fronts = new Map(runs.flatMap((m) => [...m]));
  show(fronts, new Map());
  const arns = [...fronts.values()].flatMap((f) =>
    'jobs' in f ? f.jobs.slice(0, FRONT_SHOWN).map((j) => j.jobArn) : [],
  );
  const read = await Promise.all(
    chunks([...new Set(arns)], JOBS_PER_REQUEST).map((run) =>
      readJobs(run, token, signal).catch((err: unknown) => {
        if (err instanceof TokenRefusedError || signal.aborted) throw err;
        return new Map<string, FrontJob>(run.map((arn) => [arn, null]));
      }),
    ),
  );
  show(fronts, new Map(read.flatMap((m) => [...m])));
}

/**
 * The queues (null while they are read), what went wrong reading them, each queue's front, and
 * the jobs the fronts show by ARN (a link once read; absent while read; null when unreadable).
 */
export function useQueues(token: string, onRefused: (m: string) => void) {
  const [queues, setQueues] = useState<QueueShown[] | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [fronts, setFronts] = useState({
    byQueue: new Map<string, FrontShown>(),
    jobs: new Map<string, FrontJob>(),
  });
  useEffect(() => {
    const abort = new AbortController();
    const fail = reported(onRefused, (m) => setErrors([m]));
    graphql<{ jobQueues: QueueShown[] }>(QUEUES_QUERY, { hours: WAIT_HOURS }, token, abort.signal)
      .then((r) => {
        setErrors((r.errors ?? []).map(inWords));
        const read = r.data?.jobQueues ?? null;
        setQueues(read);
        if (!read?.length) return;
        return readAllFronts(
          read.map((q) => q.id),
          token,
          abort.signal,
          (byQueue, jobs) => setFronts({ byQueue, jobs }),
        );
      })
      .catch(fail);
    return () => abort.abort();
  }, []);
  return { queues, errors, fronts };
}
