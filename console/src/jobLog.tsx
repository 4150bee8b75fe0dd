import { useEffect, useRef, useState } from 'preact/hooks';
import { TokenRefusedError, graphql, subscriptionClient, type GqlError } from './api.ts';
import { LOGS_SCOPE, useCanReadLogs } from './access.tsx';
import { safeText } from '../../src/model/safeText.ts';
import { codeWords } from './format.ts';

/** One line of a job's log, as `logTail` and `jobLogs` send it. */
interface LogLine {
  at: string;
  message: string;
}

interface LogTail {
  group: string | null;
  stream: string | null;
  region: string | null;
  lines: LogLine[];
  hasMore: boolean;
  consoleUrl: string | null;
  unavailable: string | null;
}

/** How many of the newest lines the page shows first. */
const LAST_LINES = 100;
/** The most lines the page keeps while it tails a running job (the oldest dropped first). */
const MAX_SHOWN = 1_000;

const TAIL_QUERY = `query JobLog($id: ID!, $last: Int) { job(id: $id) { logTail(last: $last) { group stream region lines { at message } hasMore consoleUrl unavailable } } }`;
const LIVE_QUERY = `subscription JobLogLive($id: ID!) { jobLogs(id: $id) { at message } }`;

/** A line's time in the page's time zone (its ISO value on hover). */
function LocalTime({ iso }: { iso: string }) {
  const at = new Date(iso);
  return (
    <time dateTime={iso} title={iso}>
      {at.toLocaleTimeString(undefined, { hour12: false })}.
      {String(at.getMilliseconds()).padStart(3, '0')}
    </time>
  );
}

/** The attempt's final lines, read once (`logTail`), or why they could not be read. */
function useLogTail(
  id: string,
  token: string,
  canRead: boolean | null,
  onRefused: (m: string) => void,
) {
  const [tail, setTail] = useState<LogTail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (canRead !== true) return;
    const abort = new AbortController();
    graphql<{ job: { logTail: LogTail | null } | null }>(
      TAIL_QUERY,
      { id, last: LAST_LINES },
      token,
      abort.signal,
    ).then(
      (result) => {
        const got = result.data?.job?.logTail ?? null;
        const failed = (result.errors ?? []).find((e: GqlError) => e.path?.[1] === 'logTail');
        if (got) setTail(got);
        setError(failed ? `${codeWords(failed.extensions?.code)}: ${failed.message}` : null);
      },
      (err: unknown) => {
        if (err instanceof TokenRefusedError) return onRefused(err.message);
        if (!abort.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => abort.abort();
  }, [id, token, canRead]);
  return { tail, setTail, error };
}

/**
 * A running job's new lines as they come (`jobLogs`), added to `tail` (the newest MAX_SHOWN kept)
 * while the tab is visible; true while the stream is open.
 */
function useLiveLog(
  { id, token, canRead, running, visible }: LiveLogOptions,
  tail: LogTail | null,
  setTail: (update: (current: LogTail | null) => LogTail | null) => void,
): boolean {
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (canRead !== true || !running || !visible || !tail || tail.unavailable) return;
    const client = subscriptionClient(token);
    const stop = client.subscribe<{ jobLogs: LogLine }>(
      { query: LIVE_QUERY, variables: { id } },
      {
        next: (event) => {
          const line = event.data?.jobLogs;
          if (!line) return;
          setLive(true);
          setTail((current) =>
            current ? { ...current, lines: [...current.lines, line].slice(-MAX_SHOWN) } : current,
          );
        },
        error: () => setLive(false),
        complete: () => setLive(false),
      },
    );
    return () => {
      stop();
      client.dispose();
      setLive(false);
    };
  }, [id, token, canRead, running, visible, tail === null]);
  return live;
}

interface LiveLogOptions {
  id: string;
  token: string;
  canRead: boolean | null;
  running: boolean;
  visible: boolean;
}

/**
 * The lines, each at its time, the list scrolled to its end as lines come (the final lines first in
 * view); each one line of visible text: its controls (an ANSI colour, an OSC title or link) shown
 * as escapes, its own line breaks as `⏎` (src/model/safeText.ts).
 */
function LogLines({ tail }: { tail: LogTail }) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [tail.lines.length]);
  return (
    <>
      {tail.hasMore ? (
        <p class="muted">
          The last {tail.lines.length} lines of {tail.stream}; older ones are in the whole stream.
        </p>
      ) : null}
      <ol class="job-log-lines" ref={list}>
        {tail.lines.map((l, i) => (
          <li key={`${l.at}-${i}`} data-log-line>
            <LocalTime iso={l.at} />{' '}
            <span class="log-message">{safeText(l.message, 'console')}</span>
          </li>
        ))}
      </ol>
    </>
  );
}

/**
 * A job's own log (docs/logs.md): its last attempt's final lines, each at its time in the page's
 * time zone, with a link to the whole stream in the provider's console; for a running job, the
 * new lines as they come (`jobLogs`, over the console's SSE client) while the tab is visible.
 * Hidden, with a line saying why, for a token without `jobs:logs:read`; where the job has no
 * lines, the reason the server gives.
 */
export function JobLog({
  id,
  token,
  running,
  visible,
  onRefused,
}: {
  id: string;
  token: string;
  running: boolean;
  visible: boolean;
  onRefused: (m: string) => void;
}) {
  const canRead = useCanReadLogs(token);
  const { tail, setTail, error } = useLogTail(id, token, canRead, onRefused);
  const live = useLiveLog({ id, token, canRead, running, visible }, tail, setTail);
  if (canRead === null) return null;
  if (!canRead)
    return (
      <section class="job-log" data-job-log="hidden" aria-labelledby="job-log-title">
        <h2 id="job-log-title">Log</h2>
        <p class="muted" data-job-log-why>
          The job's log lines are hidden: they need the {LOGS_SCOPE} scope, which this token does
          not have (jobs print secrets).
        </p>
      </section>
    );
  return (
    <section
      class="job-log"
      data-job-log={tail ? (tail.unavailable ? 'unavailable' : 'lines') : 'loading'}
      {...(live ? { 'data-job-log-live': '' } : {})}
      aria-labelledby="job-log-title"
    >
      <h2 id="job-log-title">
        Log{running ? (live ? ' (live)' : '') : ''}
        {tail?.consoleUrl ? (
          <>
            {' '}
            <a class="job-log-stream" href={tail.consoleUrl} target="_blank" rel="noreferrer">
              Whole stream in CloudWatch
            </a>
          </>
        ) : null}
      </h2>
      {error ? <p class="banner error">{error}</p> : null}
      {!tail ? (
        error ? null : (
          <p class="muted">Reading the log…</p>
        )
      ) : tail.unavailable ? (
        <p class="muted" data-job-log-why>
          No log lines: {tail.unavailable}.
        </p>
      ) : (
        <LogLines tail={tail} />
      )}
    </section>
  );
}
