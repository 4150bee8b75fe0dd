import { NetworkError } from 'graphql-sse';
import { useEffect, useState } from 'preact/hooks';
import {
  TokenRefusedError,
  consolePath,
  graphql,
  subscriptionClient,
  type GqlError,
} from './api.ts';
import { JobActions } from './actions.tsx';
import { RerunLinks } from './rerunLinks.tsx';
import { Copy, Duration, FailureCause, Finished, JobName, StateBadge, Time } from './cells.tsx';
import { GRAMMARS, PROVIDER_NAMES } from './ids.ts';
import { lastSearch } from './filters.ts';
import {
  FAILED_STATES,
  accountText,
  codeWords,
  failureReasons,
  idPrefix,
  jobSpan,
  progress,
  stateLabel,
  type RowJob,
} from './format.ts';
import { useNow, usePageVisible } from './hooks.ts';
import { JobLog } from './jobLog.tsx';
import { OmicsRunTasks } from './omicsTasks.tsx';
import { ProviderFields, errorsByPath, type Value } from './jobFields.tsx';
import { Timeline } from './timeline.tsx';
import { WhyItWaits } from './waiting.tsx';

type JobData = { job: Record<string, Value> | null };

const text = (value: Value | undefined): string => (typeof value === 'string' ? value : '');

/** The page's query with the ID written in: what a user pastes into Sandbox or curl. */
function readyQuery(query: string, id: string): string {
  return query
    .replace('query ConsoleJob($id: ID!)', 'query Job')
    .replace('job(id: $id)', `job(id: ${JSON.stringify(id)})`);
}

/**
 * The page's query as a `jobUpdates` subscription for this one job, its field aliased `job` so its
 * events read as the query's answer: the same fields, the same error paths.
 */
function liveQuery(query: string): string {
  return (
    query
      .replace('query ConsoleJob($id: ID!)', 'subscription ConsoleJobUpdates($id: ID!)')
      .replace('job(id: $id)', 'job: jobUpdates(ids: [$id])')
      // Other jobs are not watched: the rerun links stay as the query read them (RerunLinks).
      .replace(/\brerunOf \{\s*id\s*\}/, '')
      .replace(/\breruns \{\s*id\s*\}/, '')
      // Not answered by jobUpdates (its context reads no queue): the query's stays (WhyItWaits).
      .replace(/\bwaiting \{[^{}]*(\{[^{}]*\}[^{}]*)*\}/, '')
  );
}

type JobResult = { data: JobData | null; errors: GqlError[] };

/** The job as the page's query reads it once, or why it could not be read. */
function useJobQuery(
  query: string | undefined,
  id: string,
  token: string,
  onRefused: (m: string) => void,
) {
  const [result, setResult] = useState<JobResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    if (!query) return;
    const abort = new AbortController();
    graphql<JobData>(query, { id }, token, abort.signal).then(
      (r) => setResult({ data: r.data ?? null, errors: r.errors ?? [] }),
      (err: unknown) => {
        if (err instanceof TokenRefusedError) onRefused(err.message);
        else if (!(err instanceof DOMException && err.name === 'AbortError'))
          setFailure(err instanceof Error ? err.message : String(err));
      },
    );
    return () => abort.abort();
  }, [id]);
  return { result, setResult, failure };
}

/**
 * Live: an unfinished job is watched through jobUpdates (graphql-sse, as the list's rows are),
 * each event the whole job again, shown in place; the stream is closed while the tab is hidden
 * (its first event on reopening is the job as it is then) and ends when the job is over. Returns
 * whether the stream is delivering, and what went wrong with it last.
 */
function useLiveJob(
  watch: { query: string | undefined; id: string; token: string; unfinished: boolean },
  visible: boolean,
  setResult: (update: (current: JobResult | null) => JobResult) => void,
  onRefused: (m: string) => void,
) {
  const { query, id, token, unfinished } = watch;
  const [live, setLive] = useState(false);
  const [liveError, setLiveError] = useState<string | null>(null);
  useEffect(() => {
    if (!query || !unfinished || !visible) return;
    const client = subscriptionClient(token);
    const stop = client.subscribe<JobData>(
      { query: liveQuery(query), variables: { id } },
      {
        next: (event) => {
          const errors = (event.errors ?? []) as unknown as GqlError[];
          const refused = errors.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
          if (refused) return onRefused(refused.message);
          if (event.data?.job) {
            setLive(true);
            setLiveError(null);
            const job = event.data.job;
            // A job's account never changes; an event that lacks it keeps the one read.
            setResult((current) => ({
              data: {
                job: {
                  ...job,
                  account: job.account ?? current?.data?.job?.account ?? null,
                  // Not in the live query: the links the query read stay.
                  rerunOf: current?.data?.job?.rerunOf ?? null,
                  reruns: current?.data?.job?.reruns ?? [],
                  // Why it waits as the query read it, while the job still waits.
                  waiting: job.state === 'QUEUED' ? (current?.data?.job?.waiting ?? null) : null,
                },
              },
              errors,
            }));
          } else if (errors[0]) {
            // One failed poll (throttled, unavailable…): the job as last read stays, and says so.
            setLiveError(`${codeWords(errors[0].extensions?.code)}: ${errors[0].message}`);
          }
        },
        error: (err) => {
          setLive(false);
          if (err instanceof NetworkError && (err.response as Response | undefined)?.status === 401)
            return onRefused('');
          // The stream could not be opened or was lost for good (graphql-sse retried): say so.
          setLiveError(`stopped (${err instanceof Error ? err.message : 'the stream was lost'})`);
        },
        complete: () => setLive(false),
      },
    );
    return () => {
      stop();
      client.dispose();
      setLive(false);
    };
  }, [id, unfinished, visible]);
  return { live, liveError };
}

/** Provider, account, region, created, finished, duration, and whether the page is live. */
function JobSummary({
  job,
  now,
  live,
}: {
  job: Record<string, Value>;
  now: number;
  live: boolean;
}) {
  const span = jobSpan(job, now);
  const account = accountText({
    id: text(job.id),
    account: job.account,
    accountAlias: job.accountAlias,
  });
  return (
    <p class="summary">
      {PROVIDER_NAMES[text(job.provider)] ?? text(job.provider)}
      {account ? (
        <>
          {' · account '}
          <span class="account" data-account>
            {account}
          </span>
        </>
      ) : null}
      {job.region ? ` · ${text(job.region)}` : ' · global'}
      {typeof job.createdAt === 'string' ? (
        <>
          {' · created '}
          <Time iso={job.createdAt} now={now} />
        </>
      ) : null}
      {typeof job.completedAt === 'string' ? (
        <>
          {' · finished '}
          <Finished job={job} now={now} />
        </>
      ) : null}
      {span ? (
        <>
          {span.running ? ' · ' : ' · took '}
          <Duration job={job} now={now} />
        </>
      ) : null}
      {job.retained === true && typeof job.lastConfirmedAt === 'string' ? (
        <span data-last-confirmed>
          {' · last confirmed '}
          <Time iso={job.lastConfirmedAt} now={now} />
        </span>
      ) : null}
      {live ? (
        <span class="live" data-live>
          {' '}
          ·{' '}
          {job.liveBy === 'EVENTS'
            ? 'live by events'
            : job.liveBy === 'POLLING'
              ? 'live by polling'
              : 'live'}
        </span>
      ) : null}
    </p>
  );
}

/** The link back to the list as it was last shown. */
function BackLink() {
  return (
    <p>
      <a href={`${consolePath}${lastSearch()}`}>← All jobs</a>
    </p>
  );
}

/** A page that can show no job: the way back and why. */
function PageError({ message }: { message: string }) {
  return (
    <>
      <BackLink />
      <p class="banner error" role="alert">
        {message}
      </p>
    </>
  );
}

/** The banners under the summary: live updates failing, the job's own error. */
function JobBanners({
  liveError,
  jobError,
}: {
  liveError: string | null;
  jobError: GqlError | undefined;
}) {
  return (
    <>
      {liveError ? (
        <p class="banner warn" role="status" data-live-error>
          {`Live updates: ${liveError}. The job as last read is shown.`}
        </p>
      ) : null}
      {jobError ? (
        <p class="banner error" role="alert">
          {`${codeWords(jobError.extensions?.code)}: ${jobError.message}`}
        </p>
      ) : null}
    </>
  );
}

/**
 * At the top of the page, under the summary: the job's progress where its provider reports it (COS
 * Batch task counts, HealthOmics sources), and for a job that went wrong every reason its
 * provider gives (else its status message). Live events replace the job, so both follow it.
 */
function JobStatus({ job }: { job: Record<string, Value> }) {
  // The page's job has the row's fields under the same names (its query selects every field).
  const row = job as unknown as RowJob;
  const p = progress(row);
  const failed = FAILED_STATES.includes(row.state);
  const reasons = failed ? failureReasons(row) : [];
  return (
    <div class="job-status">
      {p ? (
        <p class="job-progress" data-job-progress={`${p.done}/${p.total}`}>
          <span class="label">Progress</span>
          <progress max={p.total} value={p.done} aria-hidden="true" />
          <span>{p.text}</span>
        </p>
      ) : null}
      {failed ? (
        <div class="status-message failed" data-failure-reasons>
          <strong>
            {row.state === 'FAILED' ? 'Why it failed' : `${stateLabel(row.state)}: why`}
          </strong>
          {row.failure ? (
            <p>
              <FailureCause failure={row.failure} />
            </p>
          ) : null}
          {reasons.length ? (
            <ul>
              {reasons.map((r) => (
                <li key={r} data-failure-reason>
                  {r}
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">The provider gives no reason.</p>
          )}
        </div>
      ) : typeof job.statusMessage === 'string' ? (
        <p class="status-message">{job.statusMessage}</p>
      ) : null}
    </div>
  );
}

/**
 * The page's heading: the job's name where the provider gives one, its own ID beside it (the ID
 * alone where it gives none, the global ID while unread), its state, and "retained" for a retained record.
 */
function JobHeading({ id, job }: { id: string; job: Record<string, Value> | null }) {
  return (
    <h1 id="job-title">
      <JobName
        job={{
          id,
          nativeId: typeof job?.nativeId === 'string' ? job.nativeId : id,
          name: typeof job?.name === 'string' ? job.name : null,
        }}
      />{' '}
      {typeof job?.state === 'string' ? <StateBadge state={job.state} /> : null}
      {job?.retained === true ? (
        <>
          {' '}
          <span
            class="badge retained"
            data-retained
            title="The provider no longer knows this job: this is the record jobgraph kept when it last saw it, secrets left out"
          >
            retained
          </span>
        </>
      ) : null}
    </h1>
  );
}

/** The job's global ID, selectable, with a copy button. */
function GlobalId({ id }: { id: string }) {
  return (
    <div class="global-id">
      <label for="global-id">Global ID</label>
      <input id="global-id" readOnly value={id} onFocus={(e) => e.currentTarget.select()} />
      <Copy text={id} label="Copy ID" />
    </div>
  );
}

/** The page's own query, ready to run (every field of the job's type), with a copy button. */
function ReadyQuery({ query, id }: { query: string; id: string }) {
  return (
    <section aria-labelledby="query-title">
      <h2 id="query-title">This job in GraphQL</h2>
      <pre class="query">
        <code>{readyQuery(query, id)}</code>
      </pre>
      <Copy text={readyQuery(query, id)} label="Copy query" />
    </section>
  );
}

/** What the job page is given: the job's global ID and the caller's token. */
interface JobPageProps {
  id: string;
  token: string;
  onRefused: (m: string) => void;
}

export function JobPage({ id, token, onRefused }: JobPageProps) {
  // A job of another account carries its alias after the prefix (`panorama@staging:…`).
  const query = JOBGRAPH_JOB_QUERIES[idPrefix(id)];
  const unixTimes = new Set(JOBGRAPH_UNIX_TIME_FIELDS[idPrefix(id)] ?? []);
  const { result, setResult, failure } = useJobQuery(query, id, token, onRefused);
  const now = useNow();
  const visible = usePageVisible();
  const unfinished = result?.data?.job?.terminal === false;
  const { live, liveError } = useLiveJob(
    { query, id, token, unfinished },
    visible,
    setResult,
    onRefused,
  );

  if (!query) {
    return (
      <PageError
        message={`"${id}" is not a jobgraph global ID (${GRAMMARS.map((g) => `${g.prefix}:…`).join(', ')}).`}
      />
    );
  }
  if (failure) return <PageError message={failure} />;
  if (!result) return <p class="muted">Loading {id}…</p>;
  const job = result.data?.job ?? null;
  const errors = errorsByPath(result.errors);
  return (
    <article
      data-job-detail={id}
      {...(typeof job?.state === 'string' ? { 'data-state': job.state } : {})}
      aria-labelledby="job-title"
    >
      <BackLink />
      <JobHeading id={id} job={job} />
      {job ? <JobSummary job={job} now={now} live={live} /> : null}
      {job ? <JobStatus job={job} /> : null}
      {job ? <WhyItWaits waiting={job.waiting} error={errors.get('waiting')} now={now} /> : null}
      {job?.__typename === 'OmicsRun' ? (
        <OmicsRunTasks id={id} token={token} now={now} onRefused={onRefused} />
      ) : null}
      {job ? (
        <JobLog
          id={id}
          token={token}
          running={unfinished}
          visible={visible}
          onRefused={onRefused}
        />
      ) : null}
      <JobBanners liveError={liveError} jobError={errors.get('')} />
      {job ? <RerunLinks job={job} /> : null}
      {job ? (
        <JobActions
          job={job}
          pageQuery={query}
          token={token}
          onRefused={onRefused}
          onActed={(answer) => setResult(() => answer as JobResult)}
        />
      ) : null}
      {job ? (
        <Timeline
          id={id}
          token={token}
          state={typeof job.state === 'string' ? job.state : null}
          name={typeof job.name === 'string' ? job.name : null}
          transitions={job.transitions}
          onRefused={onRefused}
        />
      ) : null}
      <GlobalId id={id} />
      {job ? <ProviderFields job={job} errors={errors} unixTimes={unixTimes} /> : null}
      <ReadyQuery query={query} id={id} />
    </article>
  );
}
