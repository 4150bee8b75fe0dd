// Acting on one job from its page (docs/actions.md): the buttons `Job.availableActions` lists, a
// required reason, a typed confirmation for terminate, one Idempotency-Key per attempt, and the
// result in words; the page then shows the job as the mutation read it, and as it changes live.
import { useRef, useState } from 'preact/hooks';
import { TokenRefusedError, graphql, jobPath, type GqlError } from './api.ts';
import { useCanAct } from './access.tsx';
import { codeWords } from './format.ts';

/** An action on a job (`JobAction`). */
export type JobAction = 'CANCEL' | 'TERMINATE' | 'RERUN';

/** One job's result of an action (`JobActionResult`), its job as the request selected it. */
export interface ActionResult<J> {
  id: string;
  action: JobAction;
  outcome: string;
  message: string;
  providerCode: string | null;
  job: J | null;
  /** A rerun's new job. */
  rerun?: { id: string } | null;
}

/** The longest reason any provider takes (AWS Batch: 1,024 characters; COS Batch 256 bytes, which the server checks). */
const REASON_MAX_CHARS = 1024;

/** The required reason of an action (one job's or many), as the provider keeps it: at most REASON_MAX_CHARS. */
export function ReasonField({
  id,
  label,
  reason,
  setReason,
}: {
  id: string;
  label: string;
  reason: string;
  setReason: (reason: string) => void;
}) {
  return (
    <>
      <label for={id}>{label}</label>
      <textarea
        id={id}
        name="reason"
        required
        maxLength={REASON_MAX_CHARS}
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
      />
    </>
  );
}

/**
 * A new `Idempotency-Key`, made once per attempt: a double click or a resend of the same attempt
 * carries the same key, so the server acts once. crypto.getRandomValues, not randomUUID: a console
 * served over plain HTTP behind a proxy is not a secure context.
 */
export function attemptKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `word` with its first letter in capital. */
const capital = (word: string) => `${word[0]!.toUpperCase()}${word.slice(1)}`;

/** An action as a verb, for buttons and sentences. */
const VERB: Record<JobAction, string> = {
  CANCEL: 'cancel',
  TERMINATE: 'terminate',
  RERUN: 'rerun',
};

/** What became of a job, in words (`JobActionOutcome`). */
export function outcomeWords(result: { action: JobAction; outcome: string }): string {
  const verb = VERB[result.action];
  switch (result.outcome) {
    case 'REQUESTED':
      return `${verb[0]!.toUpperCase()}${verb.slice(1)} requested`;
    case 'ALREADY_FINISHED':
      return 'Already finished: nothing done';
    case 'NOT_APPLIED':
      return result.action === 'RERUN' ? 'Not rerun' : `Not ${verb}led`;
    case 'NOT_SUPPORTED':
      return `No ${verb} at this provider`;
    case 'WOULD_APPLY':
      return `Would ${verb}`;
    case 'REFUSED':
      return 'Refused';
    default:
      return `${verb[0]!.toUpperCase()}${verb.slice(1)} failed`;
  }
}

/**
 * Send an action mutation with its attempt's key. Resolves with the answer (data, or the errors
 * that refused the request as a whole); a refused token goes to `onRefused` and resolves nothing.
 */
export async function sendAction<T>(
  query: string,
  variables: Record<string, unknown>,
  token: string,
  key: string,
  onRefused: (m: string) => void,
): Promise<{ data: T | null; errors: GqlError[] } | null> {
  try {
    const result = await graphql<T>(query, variables, token, undefined, { 'idempotency-key': key });
    return { data: result.data ?? null, errors: result.errors ?? [] };
  } catch (err) {
    if (err instanceof TokenRefusedError) {
      onRefused(err.message);
      return null;
    }
    const message = err instanceof Error ? err.message : String(err);
    return { data: null, errors: [{ message }] };
  }
}

/** A request refused as a whole (FORBIDDEN, BAD_USER_INPUT…), in one line. */
export function refusalText(errors: readonly GqlError[]): string {
  const e = errors[0];
  return e ? `${codeWords(e.extensions?.code)}: ${e.message}` : 'jobgraph gave no answer';
}

/**
 * The page's job query as the action's mutation: the action's result, its `job` selected as the
 * page selects it, so the answer replaces the page's job whole (aliased `result`, so an error's
 * path below `result.job` reads as the page's `job`).
 */
function actionMutation(pageQuery: string, action: JobAction): string {
  const start = pageQuery.indexOf('{', pageQuery.indexOf('job(id: $id)'));
  const end = pageQuery.lastIndexOf('}', pageQuery.lastIndexOf('}') - 1) + 1;
  const field = `${VERB[action]}Job`;
  return `mutation ConsoleJobAction($id: ID!, $reason: String!) {
  result: ${field}(id: $id, reason: $reason) {
    id action outcome message providerCode${action === 'RERUN' ? ' rerun { id }' : ''}
    job ${pageQuery.slice(start, end)}
  }
}`;
}

type Job = Record<string, unknown>;

/** What a person may type to confirm terminating `job`: its name, its native ID or its global ID. */
function confirmations(job: Job): string[] {
  return [job.jobName, job.name, job.nativeId, job.id].filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
}

interface Shown {
  action: JobAction;
  outcome: string;
  message: string;
  providerCode: string | null;
  rerun?: { id: string } | null;
}

/** What each action's form says it does. */
const DOES: Record<JobAction, string> = {
  CANCEL: 'Cancel stops a job that has not started; a started AWS Batch job only terminate stops.',
  TERMINATE: 'Terminate stops the job whatever its state: a running container is stopped.',
  RERUN:
    'Rerun submits the job again: its definition, queue, parameters and container as it ran; not its dependencies.',
};

/** The form of one action: the reason, terminate's typed confirmation, send and back. */
function ActionForm({
  action,
  job,
  sending,
  onSend,
  onBack,
}: {
  action: JobAction;
  job: Job;
  sending: boolean;
  onSend: (reason: string) => void;
  onBack: () => void;
}) {
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const accepted = confirmations(job);
  const confirmed = action !== 'TERMINATE' || accepted.includes(typed.trim());
  const ready = reason.trim() !== '' && confirmed && !sending;
  return (
    <form
      class="action-form"
      data-action-form={action}
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) onSend(reason);
      }}
    >
      <p class="muted">{DOES[action]}</p>
      <ReasonField
        id="action-reason"
        label="Reason (required: the job's owner reads it)"
        reason={reason}
        setReason={setReason}
      />
      {action === 'TERMINATE' ? (
        <>
          <label for="action-confirm">
            Type the job's name or ID (<code>{accepted[0]}</code>) to confirm
          </label>
          <input
            id="action-confirm"
            name="confirm"
            autoComplete="off"
            data-confirm
            value={typed}
            onInput={(e) => setTyped(e.currentTarget.value)}
          />
        </>
      ) : null}
      <div class="actions">
        <button type="submit" class={action === 'TERMINATE' ? 'danger' : ''} disabled={!ready}>
          {sending ? 'Sending…' : `${capital(VERB[action])} the job`}
        </button>
        <button type="button" class="link" onClick={onBack}>
          Back
        </button>
      </div>
    </form>
  );
}

interface ActionProps {
  job: Job;
  pageQuery: string;
  token: string;
  onRefused: (m: string) => void;
  onActed: (answer: { data: { job: Job | null }; errors: GqlError[] }) => void;
}

/**
 * One action at a time on the job: the form open (its action and attempt key), the request in
 * flight, its outcome or refusal; `send` sends the open action once, however often it is clicked.
 */
function useJobAction({ job, pageQuery, token, onRefused, onActed }: ActionProps) {
  const [open, setOpen] = useState<{ action: JobAction; key: string } | null>(null);
  const [sending, setSending] = useState(false);
  const [shown, setShown] = useState<Shown | null>(null);
  const [refused, setRefused] = useState<string | null>(null);
  // Set at once, not at the next render: a second click of the same attempt sends nothing.
  const inFlight = useRef(false);
  const send = async (reason: string) => {
    if (!open || inFlight.current) return;
    inFlight.current = true;
    setSending(true);
    setRefused(null);
    const answer = await sendAction<{ result: ActionResult<Job> }>(
      actionMutation(pageQuery, open.action),
      { id: job.id, reason: reason.trim() },
      token,
      open.key,
      onRefused,
    );
    inFlight.current = false;
    setSending(false);
    const result = answer?.data?.result;
    if (!answer) return;
    if (!result) return setRefused(refusalText(answer.errors));
    setOpen(null);
    setShown(result);
    if (result.job) {
      const errors = answer.errors
        .filter((e) => e.path?.[0] === 'result' && e.path[1] === 'job')
        .map((e) => ({ ...e, path: ['job', ...(e.path ?? []).slice(2)] }));
      onActed({ data: { job: result.job }, errors });
    }
  };
  return { open, setOpen, sending, shown, setShown, refused, setRefused, send };
}

/** What became of the last action (its outcome in words), or why jobgraph refused it. */
function ActionOutcome({ shown, refused }: { shown: Shown | null; refused: string | null }) {
  return (
    <>
      {shown ? (
        <p
          class={`banner ${shown.outcome === 'REQUESTED' ? 'info' : shown.outcome === 'FAILED' ? 'error' : 'warn'}`}
          role="status"
          data-action-outcome={shown.outcome}
        >
          <strong>{outcomeWords(shown)}.</strong> {shown.message}
          {shown.providerCode ? ` (${shown.providerCode})` : ''}
          {shown.rerun ? (
            <>
              {' '}
              <a href={jobPath(shown.rerun.id)} data-rerun-link={shown.rerun.id}>
                Open the new job
              </a>
            </>
          ) : null}
        </p>
      ) : null}
      {refused ? (
        <p class="banner error" role="alert" data-action-refused>
          {refused}
        </p>
      ) : null}
    </>
  );
}

/**
 * The job page's actions: nothing for a token without `jobs:write`, nothing when the job offers
 * none (and no result is shown). `onActed` gets the mutation's answer in the page query's shape.
 */
export function JobActions(props: ActionProps) {
  const { job, token } = props;
  const canAct = useCanAct(token);
  const { open, setOpen, sending, shown, setShown, refused, setRefused, send } =
    useJobAction(props);
  const available = Array.isArray(job.availableActions)
    ? (job.availableActions as JobAction[])
    : [];
  if (!canAct || (available.length === 0 && !shown && !open)) return null;

  return (
    <section class="job-actions" aria-labelledby="actions-title" data-job-actions>
      <h2 id="actions-title">Actions</h2>
      <ActionOutcome shown={shown} refused={refused} />
      {open ? (
        <ActionForm
          key={open.key}
          action={open.action}
          job={job}
          sending={sending}
          onSend={(reason) => void send(reason)}
          onBack={() => {
            setOpen(null);
            setRefused(null);
          }}
        />
      ) : (
        <div class="actions">
          {available.map((action) => (
            <button
              key={action}
              type="button"
              class={action === 'TERMINATE' ? 'danger' : ''}
              data-action={action}
              onClick={() => {
                setShown(null);
                setOpen({ action, key: attemptKey() });
              }}
            >
              {`${capital(VERB[action])} job…`}
            </button>
          ))}
        </div>
      )}
    </section>
  );
}
