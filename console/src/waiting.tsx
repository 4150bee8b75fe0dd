import type { GqlError } from './api.ts';
import { Time } from './cells.tsx';
import { codeWords, stateLabel } from './format.ts';
import type { Value } from './jobFields.tsx';
import { QUEUES_PATH } from './queueData.ts';
import './queues.css';

/**
 * "Why it waits" on a waiting job's page (`Job.waiting`, docs/queues.md): the reasons in the
 * order jobgraph checked them, each code as a short label, its sentence, and the provider fields
 * it was read from in a collapsed list. Every text is the API's, rendered as text.
 */

/** Each wait reason's code in a few words (schema/queues.graphql `WaitReasonCode`). */
const REASON_LABELS: Readonly<Record<string, string>> = {
  COMPUTE_ENVIRONMENT_INVALID: 'Environment invalid',
  COMPUTE_ENVIRONMENT_DISABLED: 'Environment disabled',
  QUEUE_DISABLED: 'Queue disabled',
  QUEUE_BLOCKED: 'Queue blocked',
  NO_INSTANCE_TYPE_FITS: 'Too large for every instance type',
  MAX_VCPUS_REACHED: 'At max vCPUs',
  SHARE_LIMIT: 'Share limit',
  DEPENDENCY: 'Waits for a dependency',
  BEHIND_OTHERS: 'Behind other jobs',
  WAITING_NORMALLY: 'Normal wait',
};

/** A reason's code as the page labels it; an unknown code in words. */
function reasonLabel(code: string): string {
  return REASON_LABELS[code] ?? stateLabel(code);
}

interface Reason {
  code: string;
  message: string;
  evidence: string[];
}

/** `Job.waiting` as the page's query reads it, or null when it is not the shape the schema gives. */
function waitingOf(value: Value | undefined) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const reasons = Array.isArray(value.reasons) ? value.reasons : [];
  return {
    position: typeof value.position === 'number' ? value.position : null,
    since: typeof value.since === 'string' ? value.since : null,
    reasons: reasons.flatMap((r): Reason[] =>
      r && typeof r === 'object' && !Array.isArray(r) && typeof r.code === 'string'
        ? [
            {
              code: r.code,
              message: typeof r.message === 'string' ? r.message : '',
              evidence: Array.isArray(r.evidence)
                ? r.evidence.filter((e): e is string => typeof e === 'string')
                : [],
            },
          ]
        : [],
    ),
  };
}

function ReasonItem({ reason }: { reason: Reason }) {
  return (
    <li data-wait-reason={reason.code}>
      <strong class="wait-code" title={reason.code}>
        {reasonLabel(reason.code)}
      </strong>{' '}
      <span data-wait-message>{reason.message}</span>
      {reason.evidence.length ? (
        <details class="wait-evidence">
          <summary>Evidence ({reason.evidence.length})</summary>
          <ul>
            {reason.evidence.map((e, i) => (
              <li key={i} data-wait-evidence>
                {e}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </li>
  );
}

/**
 * The panel, or nothing when the job does not wait (`waiting` null without an error). A failed
 * `waiting` says so in its place.
 */
export function WhyItWaits({
  waiting,
  error,
  now,
}: {
  waiting: Value | undefined;
  error: GqlError | undefined;
  now: number;
}) {
  const w = waitingOf(waiting);
  if (!w && !error) return null;
  return (
    <section class="why-waits" aria-labelledby="why-waits-title" data-why-it-waits>
      <h2 id="why-waits-title">Why it waits</h2>
      {!w ? (
        <p class="row-error" data-wait-error>
          {`${codeWords(error?.extensions?.code)}: ${error?.message ?? ''}`}
        </p>
      ) : (
        <>
          <p class="muted">
            {w.position !== null ? `Position ${w.position} at the front of its queue` : null}
            {w.position !== null && w.since ? ' · ' : null}
            {w.since ? (
              <>
                {'waiting since '}
                <Time iso={w.since} now={now} />
              </>
            ) : null}
            {w.position !== null || w.since ? ' · ' : null}
            <a href={QUEUES_PATH}>Queues</a>
          </p>
          {w.reasons.length ? (
            <ol class="wait-reasons">
              {w.reasons.map((r) => (
                <ReasonItem key={r.code} reason={r} />
              ))}
            </ol>
          ) : (
            <p class="muted" data-wait-reasons-none>
              Nothing in its queue explains the wait.
            </p>
          )}
        </>
      )}
    </section>
  );
}
