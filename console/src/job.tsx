import { useEffect, useState } from 'preact/hooks';
import { TokenRefusedError, consolePath, graphql, type GqlError } from './api.ts';
import { lastSearch } from './filters.ts';
import { PROVIDER_NAMES, codeWords, utc } from './format.ts';
import { StateBadge, Time } from './list.tsx';

type Value = string | number | boolean | null | Value[] | { [field: string]: Value };
type JobData = { job: Record<string, Value> | null };

const text = (value: Value | undefined): string => (typeof value === 'string' ? value : '');

/** Fields the header shows; the table below shows the rest. */
const HEADER_FIELDS = new Set(['__typename', 'id', 'nativeId', 'provider', 'region', 'state']);

/** `a.b.0.c` → the errors whose path below `job` is exactly that. */
function errorsByPath(errors: readonly GqlError[] | undefined): Map<string, GqlError> {
  const map = new Map<string, GqlError>();
  for (const e of errors ?? []) {
    const path = e.path ?? [];
    if (path[0] !== 'job') continue;
    map.set(path.slice(1).join('.'), e);
  }
  return map;
}

function Field({
  value,
  path,
  errors,
}: {
  value: Value;
  path: string;
  errors: Map<string, GqlError>;
}) {
  const error = errors.get(path);
  if (value === null && error?.extensions?.code === 'FORBIDDEN') {
    return (
      <span class="secret" data-secret-hidden={path}>
        hidden: this token may not read it (needs <code>jobs:secrets:read</code>)
      </span>
    );
  }
  if (value === null && error) {
    return (
      <span class="row-error">{`${codeWords(error.extensions?.code)}: ${error.message}`}</span>
    );
  }
  if (value === null) return <span class="muted">—</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="muted">none</span>;
    return (
      <ol class="values">
        {value.map((item, i) => (
          <li key={i}>
            <Field value={item} path={`${path}.${i}`} errors={errors} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof value === 'object') {
    return (
      <dl class="fields nested">
        {Object.entries(value).map(([name, v]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>
              <Field value={v} path={`${path}.${name}`} errors={errors} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value)) {
    return (
      <time dateTime={value} title={value}>
        {utc(value)}
      </time>
    );
  }
  return <span>{String(value)}</span>;
}

/** The page's query with the ID written in: what a user pastes into Sandbox or curl. */
function readyQuery(query: string, id: string): string {
  return query
    .replace('query ConsoleJob($id: ID!)', 'query Job')
    .replace('job(id: $id)', `job(id: ${JSON.stringify(id)})`);
}

function Copy({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="copy"
      onClick={() => {
        navigator.clipboard.writeText(text).then(
          () => setDone(true),
          () => setDone(false),
        );
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

export function JobPage({
  id,
  token,
  onRefused,
}: {
  id: string;
  token: string;
  onRefused: (m: string) => void;
}) {
  const query = JOBGRAPH_JOB_QUERIES[id.slice(0, id.indexOf(':'))];
  const [result, setResult] = useState<{ data: JobData | null; errors: GqlError[] } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const now = Date.now();

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

  const back = (
    <p>
      <a href={`${consolePath}${lastSearch()}`}>← All jobs</a>
    </p>
  );
  if (!query) {
    return (
      <>
        {back}
        <p class="banner error" role="alert">
          {`"${id}" is not a jobgraph global ID (panorama:…, omics:…, cos:…, importexport:…, codepipeline:…).`}
        </p>
      </>
    );
  }
  if (failure) {
    return (
      <>
        {back}
        <p class="banner error" role="alert">
          {failure}
        </p>
      </>
    );
  }
  if (!result) return <p class="muted">Loading {id}…</p>;
  const job = result.data?.job ?? null;
  const errors = errorsByPath(result.errors);
  const jobError = errors.get('');
  const rest = job ? Object.entries(job).filter(([name]) => !HEADER_FIELDS.has(name)) : [];
  return (
    <article data-job-detail={id} aria-labelledby="job-title">
      {back}
      <h1 id="job-title">
        {typeof job?.nativeId === 'string' ? job.nativeId : id}{' '}
        {typeof job?.state === 'string' ? <StateBadge state={job.state} /> : null}
      </h1>
      {job ? (
        <p class="summary">
          {PROVIDER_NAMES[text(job.provider)] ?? text(job.provider)}
          {job.region ? ` · ${text(job.region)}` : ' · global'}
          {typeof job.createdAt === 'string' ? (
            <>
              {' · created '}
              <Time iso={job.createdAt} now={now} />
            </>
          ) : null}
        </p>
      ) : null}
      {jobError ? (
        <p class="banner error" role="alert">
          {`${codeWords(jobError.extensions?.code)}: ${jobError.message}`}
        </p>
      ) : null}
      {job && typeof job.statusMessage === 'string' ? (
        <p class={`status-message ${job.state === 'FAILED' ? 'failed' : ''}`}>
          {job.statusMessage}
        </p>
      ) : null}
      <div class="global-id">
        <label for="global-id">Global ID</label>
        <input id="global-id" readOnly value={id} onFocus={(e) => e.currentTarget.select()} />
        <Copy text={id} label="Copy ID" />
      </div>
      {job ? (
        <section aria-labelledby="fields-title">
          <h2 id="fields-title">Provider fields</h2>
          <dl class="fields">
            {rest.map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>
                  <Field value={value} path={name} errors={errors} />
                </dd>
              </div>
            ))}
          </dl>
        </section>
      ) : null}
      <section aria-labelledby="query-title">
        <h2 id="query-title">This job in GraphQL</h2>
        <pre class="query">
          <code>{readyQuery(query, id)}</code>
        </pre>
        <Copy text={readyQuery(query, id)} label="Copy query" />
      </section>
    </article>
  );
}
