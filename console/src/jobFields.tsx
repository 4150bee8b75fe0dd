import type { GqlError } from './api.ts';
import { codeWords, isoOfEpochSeconds, utc } from './format.ts';

/**
 * The job page's provider fields (console/src/job.tsx): every field of the job the page's header
 * does not show, each error or hidden secret in its place, times as UTC times.
 */

export type Value = string | number | boolean | null | Value[] | { [field: string]: Value };

/** Fields the header shows; the table below shows the rest. */
const HEADER_FIELDS = new Set([
  '__typename',
  'id',
  'nativeId',
  'name',
  'provider',
  'account',
  'accountAlias',
  'region',
  'state',
  'liveBy',
  'retained',
  'lastConfirmedAt',
  'availableActions',
  // Shown as links (RerunLinks).
  'rerunOf',
  'reruns',
  // Shown as the timeline (timeline.tsx).
  'transitions',
  // Shown as "Why it waits" (waiting.tsx).
  'waiting',
]);

/** `a.b.0.c` → the errors whose path below `job` is exactly that. */
export function errorsByPath(errors: readonly GqlError[] | undefined): Map<string, GqlError> {
  const map = new Map<string, GqlError>();
  for (const e of errors ?? []) {
    const path = e.path ?? [];
    if (path[0] !== 'job') continue;
    map.set(path.slice(1).join('.'), e);
  }
  return map;
}

/** A time as the page shows every time: the UTC time, the value as sent on hover. */
function UtcTime({ iso, sent }: { iso: string; sent: string }) {
  return (
    <time dateTime={iso} title={sent}>
      {utc(iso)}
    </time>
  );
}

/** Where a field's value is shown, and what tells how: its path, the errors, the Unix-time paths. */
interface FieldPlace {
  path: string;
  errors: Map<string, GqlError>;
  /** Paths (list indices left out) of numbers that are Unix times in seconds. */
  unixTimes: ReadonlySet<string>;
}

function Field({ value, path, errors, unixTimes }: { value: Value } & FieldPlace) {
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
            <Field value={item} path={`${path}.${i}`} errors={errors} unixTimes={unixTimes} />
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
              <Field value={v} path={`${path}.${name}`} errors={errors} unixTimes={unixTimes} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value)) {
    return <UtcTime iso={value} sent={value} />;
  }
  // A Unix time the provider sent as a number (COS Batch's copy constraints): as a DateTime is shown.
  const iso =
    typeof value === 'number' && unixTimes.has(path.replace(/\.\d+(?=\.|$)/g, ''))
      ? isoOfEpochSeconds(value)
      : null;
  if (iso) return <UtcTime iso={iso} sent={`${iso} (sent as Unix time ${value})`} />;
  return <span>{String(value)}</span>;
}

/** Every field the header does not show, each error (or hidden secret) in its place. */
export function ProviderFields({
  job,
  errors,
  unixTimes,
}: {
  job: Record<string, Value>;
  errors: Map<string, GqlError>;
  unixTimes: ReadonlySet<string>;
}) {
  const rest = Object.entries(job).filter(([name]) => !HEADER_FIELDS.has(name));
  return (
    <section aria-labelledby="fields-title">
      <h2 id="fields-title">Provider fields</h2>
      <dl class="fields">
        {rest.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>
              <Field value={value} path={name} errors={errors} unixTimes={unixTimes} />
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
