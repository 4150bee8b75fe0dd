// Cancelling the jobs selected in the list (docs/actions.md): a reason, a dry run first
// (`cancelJobs(dryRun: true)`) that says what would happen to each, whether to terminate the
// running ones too, a typed count for more than one job, then the real call with the attempt's
// Idempotency-Key; each job's result shown, and its row replaced by the job as it is after.
import { useRef, useState } from 'preact/hooks';
import {
  ReasonField,
  attemptKey,
  outcomeWords,
  refusalText,
  sendAction,
  type ActionResult,
} from './actions.tsx';
import type { RowJob } from './format.ts';
import { ROW_FIELDS } from './listQueries.ts';

/** A row's job with what this caller may do to it. */
type ActedJob = RowJob & { availableActions?: string[] };
type Result = ActionResult<ActedJob>;

const RESULT_FIELDS = `id action outcome message providerCode job { ${ROW_FIELDS} availableActions }`;
const PREVIEW = `mutation ConsoleCancelPreview($ids: [ID!]!, $reason: String!) {
  results: cancelJobs(ids: $ids, reason: $reason, dryRun: true) { ${RESULT_FIELDS} }
}`;
const ACT = `mutation ConsoleCancelJobs($ids: [ID!]!, $reason: String!, $terminateRunning: Boolean!) {
  results: cancelJobs(ids: $ids, reason: $reason, terminateRunning: $terminateRunning, dryRun: false) { ${RESULT_FIELDS} }
}`;

/** A dry run's answer, sorted: what cancel would do, and the started jobs only terminate stops. */
interface Preview {
  reason: string;
  /** The attempt's key: the real call after this preview sends it. */
  key: string;
  results: Result[];
  wouldCancel: string[];
  running: string[];
}

function previewOf(results: Result[], reason: string): Preview {
  return {
    reason,
    key: attemptKey(),
    results,
    wouldCancel: results.filter((r) => r.outcome === 'WOULD_APPLY').map((r) => r.id),
    // Not cancelled but terminable now (availableActions says so: the state, the switch, the scope).
    running: results
      .filter((r) => r.outcome === 'NOT_APPLIED' && r.job?.availableActions?.includes('TERMINATE'))
      .map((r) => r.id),
  };
}

const jobs = (n: number) => `${n} ${n === 1 ? 'job' : 'jobs'}`;
const are = (n: number) => (n === 1 ? 'is' : 'are');

/** "12 would be cancelled, 3 are running: terminate those?", and what else the dry run said. */
function previewSentence(p: Preview): string {
  const left = p.results.length - p.wouldCancel.length - p.running.length;
  return [
    `${p.wouldCancel.length} would be cancelled`,
    p.running.length
      ? `, ${p.running.length} ${are(p.running.length)} running: terminate those?`
      : '.',
    left ? ` ${jobs(left)} would be left alone (each says why below).` : '',
  ].join('');
}

/** Each job's answer: its ID, the outcome in words, and why. */
function ResultList({ results, attr }: { results: Result[]; attr: string }) {
  return (
    <ul class="action-results" {...{ [attr]: '' }}>
      {results.map((r) => (
        <li key={r.id} data-result-id={r.id} data-outcome={r.outcome} data-action={r.action}>
          <code>{r.job?.nativeId ?? r.id}</code> <strong>{outcomeWords(r)}</strong>: {r.message}
          {r.providerCode ? ` (${r.providerCode})` : ''}
        </li>
      ))}
    </ul>
  );
}

/** Counts of the real call's outcomes: "3 Cancel requested · 1 Terminate requested". */
function resultSummary(results: Result[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(outcomeWords(r), (counts.get(outcomeWords(r)) ?? 0) + 1);
  return [...counts].map(([words, n]) => `${n} ${words}`).join(' · ');
}

/** The preview, the terminate toggle, the typed count and the real call. */
function Confirm({
  preview,
  sending,
  onAct,
}: {
  preview: Preview;
  sending: boolean;
  onAct: (ids: string[], terminateRunning: boolean) => void;
}) {
  const [terminate, setTerminate] = useState(false);
  const [typed, setTyped] = useState('');
  const ids = [...preview.wouldCancel, ...(terminate ? preview.running : [])];
  const confirmed = ids.length === 1 || typed.trim() === String(ids.length);
  return (
    <div class="bulk-confirm">
      <p
        class="banner info"
        role="status"
        data-bulk-preview-summary
        data-would-cancel={preview.wouldCancel.length}
        data-running={preview.running.length}
      >
        <strong>Dry run: nothing was done.</strong> {previewSentence(preview)}
      </p>
      <details>
        <summary>Each job</summary>
        <ResultList results={preview.results} attr="data-bulk-preview" />
      </details>
      {preview.running.length ? (
        <label>
          <input
            type="checkbox"
            name="terminateRunning"
            data-terminate-running
            checked={terminate}
            onChange={(e) => setTerminate(e.currentTarget.checked)}
          />{' '}
          Terminate the {jobs(preview.running.length)} running too (their containers are stopped)
        </label>
      ) : null}
      {ids.length > 1 ? (
        <label>
          Type <strong>{ids.length}</strong>, the number of jobs, to confirm{' '}
          <input
            name="confirmCount"
            inputMode="numeric"
            autoComplete="off"
            data-bulk-confirm
            value={typed}
            onInput={(e) => setTyped(e.currentTarget.value)}
          />
        </label>
      ) : null}
      <button
        type="button"
        class="danger"
        data-bulk-act
        disabled={ids.length === 0 || !confirmed || sending}
        onClick={() => onAct(ids, terminate && preview.running.length > 0)}
      >
        {sending
          ? 'Sending…'
          : ids.length === 0
            ? 'Nothing to cancel'
            : `${terminate && preview.running.length ? 'Cancel and terminate' : 'Cancel'} ${jobs(ids.length)}`}
      </button>
    </div>
  );
}

/**
 * One bulk call at a time (a dry run or the act): `call` sends it unless one is in flight, and
 * answers its results, or null with `refused` saying why jobgraph refused it.
 */
function useBulkCall(token: string, onRefused: (m: string) => void) {
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

/** The last act's results (a summary, then each job's outcome), or why it was refused. */
function BulkOutcome({ results, refused }: { results: Result[] | null; refused: string | null }) {
  return (
    <>
      {results ? (
        <div data-bulk-results-box>
          <p class="banner info" role="status" data-bulk-results-summary>
            {resultSummary(results)}
          </p>
          <ResultList results={results} attr="data-bulk-results" />
        </div>
      ) : null}
      {refused ? (
        <p class="banner error" role="alert" data-bulk-refused>
          {refused}
        </p>
      ) : null}
    </>
  );
}

/** The reason for the selected jobs and the dry run's button (nothing is done before it). */
function PreviewForm({
  count,
  reason,
  setReason,
  sending,
  onPreview,
}: {
  count: number;
  reason: string;
  setReason: (reason: string) => void;
  sending: boolean;
  onPreview: () => void;
}) {
  return (
    <form
      class="action-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (reason.trim() && !sending) onPreview();
      }}
    >
      <ReasonField
        id="bulk-reason"
        label="Reason (required: each job's owner reads it)"
        reason={reason}
        setReason={setReason}
      />
      <button type="submit" data-bulk-preview-button disabled={!reason.trim() || sending}>
        Preview: cancel {jobs(count)} (dry run)
      </button>
    </form>
  );
}

/**
 * The bulk action bar over the list, for a token that may act: shown while jobs are selected (and
 * while the last results are). `onActed` gets each job as the call read it after.
 */
export function BulkActions({
  selected,
  token,
  onRefused,
  onActed,
  onClear,
}: {
  selected: readonly string[];
  token: string;
  onRefused: (m: string) => void;
  onActed: (jobs: ActedJob[]) => void;
  onClear: () => void;
}) {
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [results, setResults] = useState<Result[] | null>(null);
  const { call, sending, refused } = useBulkCall(token, onRefused);
  // A preview is of these jobs and this reason: another selection or reason needs another.
  const current =
    preview && preview.reason === reason.trim() && sameIds(preview.results, selected)
      ? preview
      : null;
  if (selected.length === 0 && !results) return null;

  const runPreview = async () => {
    const trimmed = reason.trim();
    setResults(null);
    const answer = await call(PREVIEW, { ids: selected, reason: trimmed }, attemptKey());
    if (answer) setPreview(previewOf(answer, trimmed));
  };

  const act = async (ids: string[], terminateRunning: boolean) => {
    if (!current) return;
    const answer = await call(ACT, { ids, reason: current.reason, terminateRunning }, current.key);
    if (!answer) return;
    setPreview(null);
    setResults(answer);
    onActed(answer.flatMap((r) => (r.job ? [r.job] : [])));
  };

  return (
    <section class="bulk-actions" aria-labelledby="bulk-title" data-bulk-actions>
      <h2 id="bulk-title">
        {selected.length ? `${jobs(selected.length)} selected` : 'Cancelled'}{' '}
        <button
          type="button"
          class="link"
          onClick={() => {
            setResults(null);
            onClear();
          }}
        >
          Clear selection
        </button>
      </h2>
      <BulkOutcome results={results} refused={refused} />
      {selected.length ? (
        <PreviewForm
          count={selected.length}
          reason={reason}
          setReason={setReason}
          sending={sending}
          onPreview={() => void runPreview()}
        />
      ) : null}
      {current ? (
        <Confirm
          key={current.key}
          preview={current}
          sending={sending}
          onAct={(ids, terminate) => void act(ids, terminate)}
        />
      ) : null}
    </section>
  );
}

function sameIds(results: readonly Result[], ids: readonly string[]): boolean {
  return results.length === ids.length && results.every((r, i) => r.id === ids[i]);
}
