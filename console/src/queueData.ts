// The Queues page's data (console/src/queues.tsx): the queues as `jobQueues` describes them, then
// each queue's front in a second request (schema/queues.graphql, docs/queues.md). The front needs
// GetJobQueueSnapshot: asked apart, each queue under its own alias of the nullable `jobQueue`, a
// failed snapshot costs that queue's front only, never the page.
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
  job: { id: string; name: string | null } | null;
}

/** A queue's front as read: its jobs, or why it could not be read. */
export type FrontShown = { jobs: QueuedShown[] } | { error: string };

const QUEUES_QUERY = `query ConsoleQueues($hours: Int) { jobQueues {
  id name accountAlias region state status statusReason priority
  computeEnvironments { name type state status statusReason minvCpus desiredvCpus maxvCpus instanceTypes }
  counts { state jobs } waitSeconds(hours: $hours) { samples p50 p90 } } }`;

const FRONT_FIELDS = 'id front { position jobArn earliestTimeAtPosition job { id name } }';

/** One request for every queue's front: `q0: jobQueue(id: $q0) { … }`, one alias a queue. */
function frontsQuery(count: number): string {
  const vars = Array.from({ length: count }, (_, i) => `$q${i}: ID!`).join(', ');
  const fields = Array.from(
    { length: count },
    (_, i) => `q${i}: jobQueue(id: $q${i}) { ${FRONT_FIELDS} }`,
  ).join(' ');
  return `query ConsoleQueueFronts(${vars}) { ${fields} }`;
}

/** An error in words ("unavailable: …"). */
const inWords = (e: GqlError) => `${codeWords(e.extensions?.code)}: ${e.message}`;

/** What went wrong, for the page: a refused token goes to `onRefused`, an abort is nothing. */
function reported(onRefused: (m: string) => void, setError: (m: string) => void) {
  return (err: unknown) => {
    if (err instanceof TokenRefusedError) onRefused(err.message);
    else if (!(err instanceof DOMException && err.name === 'AbortError'))
      setError(err instanceof Error ? err.message : String(err));
  };
}

/** Each queue's front from the answer to `frontsQuery`, by queue ID. */
function frontsOf(
  ids: readonly string[],
  data: Record<string, { front: QueuedShown[] } | null> | null | undefined,
  errors: readonly GqlError[] | undefined,
): Map<string, FrontShown> {
  const fronts = new Map<string, FrontShown>();
  ids.forEach((id, i) => {
    const alias = `q${i}`;
    const read = data?.[alias];
    const failed = errors?.filter((e) => e.path?.[0] === alias || !e.path) ?? [];
    if (read) fronts.set(id, { jobs: read.front });
    else fronts.set(id, { error: failed.map(inWords).join('; ') || 'no answer' });
  });
  return fronts;
}

/** The queues (null while they are read), what went wrong reading them, and each queue's front. */
export function useQueues(token: string, onRefused: (m: string) => void) {
  const [queues, setQueues] = useState<QueueShown[] | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [fronts, setFronts] = useState<Map<string, FrontShown>>(new Map());
  useEffect(() => {
    const abort = new AbortController();
    const fail = reported(onRefused, (m) => setErrors([m]));
    graphql<{ jobQueues: QueueShown[] }>(QUEUES_QUERY, { hours: WAIT_HOURS }, token, abort.signal)
      .then((r) => {
        setErrors((r.errors ?? []).map(inWords));
        const read = r.data?.jobQueues ?? null;
        setQueues(read);
        if (!read?.length) return;
        const ids = read.map((q) => q.id);
        const variables = Object.fromEntries(ids.map((id, i) => [`q${i}`, id]));
        return graphql<Record<string, { front: QueuedShown[] } | null>>(
          frontsQuery(ids.length),
          variables,
          token,
          abort.signal,
        ).then(
          (f) => setFronts(frontsOf(ids, f.data, f.errors)),
          (err: unknown) => {
            if (err instanceof TokenRefusedError || abort.signal.aborted) return fail(err);
            const message = err instanceof Error ? err.message : String(err);
            setFronts(new Map(ids.map((id) => [id, { error: message }])));
          },
        );
      })
      .catch(fail);
    return () => abort.abort();
  }, []);
  return { queues, errors, fronts };
}
