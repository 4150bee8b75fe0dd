// Rerunning the failed jobs a list shows (docs/actions.md, "Rerun"): a reason, a dry run first
// (`rerunJobs(dryRun: true)`) that sorts them by their failure's retryability ("12 would be
// rerun, 3 are not retryable: rerun those too?"), a typed count for more than one job, then the
// real call with the attempt's Idempotency-Key; each job's result shown, its new job linked.
import { useRef, useState } from 'preact/hooks';
import { jobPath } from './api.ts';
import {
  ReasonField,
  attemptKey,
  outcomeWords,
  refusalText,
  sendAction,
  type ActionResult,
} from './actions.tsx';

type RerunJob = { id: string; nativeId?: string; failure?: { retryable?: boolean } | null };
type Result = ActionResult<RerunJob>;

const PREVIEW = `mutation ConsoleRerunPreview($ids: [ID!]!, $reason: String!) {
  results: rerunJobs(ids: $ids, reason: $reason, dryRun: true) { id action outcome message providerCode job { id nativeId failure { category retryable } } }
}`;
const ACT = `mutation ConsoleRerunJobs($ids: [ID!]!, $reason: String!) {
  results: rerunJobs(ids: $ids, reason: $reason, dryRun: false) { id action outcome message providerCode job { id nativeId } rerun { id } }
}`;

/** A dry run's answer, sorted: the jobs likely to pass on a rerun, and those not retryable. */
interface Preview {
  ids: readonly string[];
  reason: string;
  /** The attempt's key: the real call after this preview sends it. */
  key: string;
  results: Result[];
  retryable: string[];
  notRetryable: string[];
}

function previewOf(results: Result[], ids: readonly string[], reason: string): Preview {
  const would = results.filter((r) => r.outcome === 'WOULD_APPLY');
  return {
    ids,
    reason,
    key: attemptKey(),
    results,
    retryable: would.filter((r) => r.job?.failure?.retryable !== false).map((r) => r.id),
    notRetryable: would.filter((r) => r.job?.failure?.retryable === false).map((r) => r.id),
  };
}

const jobs = (n: number) => `${n} ${n === 1 ? 'job' : 'jobs'}`;

/** "12 would be rerun, 3 are not retryable: rerun those too?", and what else the dry run said. */
function previewSentence(p: Preview): string {
  const left = p.results.length - p.retryable.length - p.notRetryable.length;
  const n = p.notRetryable.length;
  return [
    `${p.retryable.length} would be rerun`,
    n
      ? `, ${n} ${n === 1 ? 'is' : 'are'} not retryable: rerun ${n === 1 ? 'it' : 'those'} too?`
      : '.',
    left ? ` ${jobs(left)} would be left alone (each says why below).` : '',
  ].join('');
}

/** Each job's answer: its ID, the outcome in words, why, and its new job. */
function ResultList({ results, attr }: { results: Result[]; attr: string }) {
  return (
    <ul class="action-results" {...{ [attr]: '' }}>
      {results.map((r) => (
        <li key={r.id} data-result-id={r.id} data-outcome={r.outcome}>
          <code>{r.job?.nativeId ?? r.id}</code> <strong>{outcomeWords(r)}</strong>: {r.message}
          {r.providerCode ? ` (${r.providerCode})` : ''}
          {r.rerun ? (
            <>
              {' '}
              <a href={jobPath(r.rerun.id)} data-rerun-result-link={r.rerun.id}>
                the new job
              </a>
            </>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** The preview, the "those too" toggle, the typed count and the real call. */
function Confirm({
  preview,
  sending,
  onAct,
}: {
  preview: Preview;
  sending: boolean;
  onAct: (ids: string[]) => void;
}) {
  const [also, setAlso] = useState(false);
  const [typed, setTyped] = useState('');
  const ids = [...preview.retryable, ...(also ? preview.notRetryable : [])];
  const confirmed = ids.length === 1 || typed.trim() === String(ids.length);
  return (
    <div class="bulk-confirm">
      <p
        class="banner info"
        role="status"
        data-rerun-preview-summary
        data-would-rerun={preview.retryable.length}
        data-not-retryable={preview.notRetryable.length}
      >
        <strong>Dry run: nothing was done.</strong> {previewSentence(preview)}
      </p>
      <details>
        <summary>Each job</summary>
        <ResultList results={preview.results} attr="data-rerun-preview" />
      </details>
      {preview.notRetryable.length ? (
        <label>
          <input
            type="checkbox"
            name="rerunNotRetryable"
            data-rerun-also
            checked={also}
            onChange={(e) => setAlso(e.currentTarget.checked)}
          />{' '}
          Rerun the {jobs(preview.notRetryable.length)} not retryable too (likely to fail again)
        </label>
      ) : null}
      {ids.length > 1 ? (
        <label>
          Type <strong>{ids.length}</strong>, the number of jobs, to confirm{' '}
          <input
            name="confirmRerunCount"
            inputMode="numeric"
            autoComplete="off"
            data-rerun-confirm
            value={typed}
            onInput={(e) => setTyped(e.currentTarget.value)}
          />
        </label>
      ) : null}
      <button
        type="button"
        data-rerun-act
        disabled={ids.length === 0 || !confirmed || sending}
        onClick={() => onAct(ids)}
      >
        {sending ? 'Sending…' : ids.length === 0 ? 'Nothing to rerun' : `Rerun ${jobs(ids.length)}`}
      </button>
    </div>
  );
}

/**
 * One call at a time (a dry run or the act): `call` sends it unless one is in flight, and answers
 * its results, or null with `refused` saying why jobgraph refused it.
 */
function useRerunCall(token: string, onRefused: (m: string) => void) {
  const [refused, setRefused] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  // Set at once, not at the next render: a second click sends nothing.
  const inFlight = useRef(false);
  const call = async (query: string, variables: Record<string, unknown>, key: string) => {
    if (inFlight.current) return null;
    inFlight.current = true;
    setSending(true);
    setRefused(null);
    const answer = await sendAction<{ results: Result[] }>(query, variables, token, key, onRefused);
    inFlight.current = false;
    setSending(false);
    if (answer && !answer.data?.results) setRefused(refusalText(answer.errors));
    return answer?.data?.results ?? null;
  };
  return { call, sending, refused };
}

/**
 * The list's bulk rerun, for a token that may act, over the failed jobs the list shows (`failed`,
 * their global IDs): shown while there are some, or while the last results are.
 */
export function BulkRerun({
  failed,
  token,
  onRefused,
}: {
  failed: readonly string[];
  token: string;
  onRefused: (m: string) => void;
}) {
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [results, setResults] = useState<Result[] | null>(null);
  const { call, sending, refused } = useRerunCall(token, onRefused);
  const current =
    preview && preview.reason === reason.trim() && preview.ids.join() === failed.join()
      ? preview
      : null;
  if (failed.length === 0 && !results) return null;

  const runPreview = async () => {
    const trimmed = reason.trim();
    setResults(null);
    const answer = await call(PREVIEW, { ids: failed, reason: trimmed }, attemptKey());
    if (answer) setPreview(previewOf(answer, failed, trimmed));
  };
  const act = async (ids: string[]) => {
    if (!current) return;
    const answer = await call(ACT, { ids, reason: current.reason }, current.key);
    if (!answer) return;
    setPreview(null);
    setResults(answer);
  };

  return (
    <section class="bulk-actions" aria-labelledby="rerun-title" data-bulk-rerun>
      <h2 id="rerun-title">Rerun the {jobs(failed.length)} failed shown</h2>
      {results ? <ResultList results={results} attr="data-rerun-results" /> : null}
      {refused ? (
        <p class="banner error" role="alert" data-rerun-refused>
          {refused}
        </p>
      ) : null}
      {failed.length ? (
        <form
          class="action-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim() && !sending) void runPreview();
          }}
        >
          <ReasonField
            id="rerun-reason"
            label="Reason (required: each job's owner reads it)"
            reason={reason}
            setReason={setReason}
          />
          <button type="submit" data-rerun-preview-button disabled={!reason.trim() || sending}>
            Preview: rerun {jobs(failed.length)} (dry run)
          </button>
        </form>
      ) : null}
      {current ? (
        <Confirm
          key={current.key}
          preview={current}
          sending={sending}
          onAct={(ids) => void act(ids)}
        />
      ) : null}
    </section>
  );
}
