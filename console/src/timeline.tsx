import { useEffect, useState } from 'preact/hooks';
import { TokenRefusedError, graphql } from './api.ts';
import { StateBadge } from './cells.tsx';
import { utc } from './format.ts';

/** One change of a job, as `Job.transitions` answers it. */
export interface Transition {
  at: string;
  from: string | null;
  to: string;
  providerStatus: string | null;
  source: string;
  /** When a provider read contradicted this event's word (a wrong or forged event); absent or null otherwise. */
  contradictedAt?: string | null;
}

const TRANSITIONS_QUERY = `query ConsoleTransitions($id: ID!) {
  job(id: $id) { id transitions { at from to providerStatus source contradictedAt } }
}`;

/** Where a change was learnt, in words. */
const SOURCE_WORDS: Readonly<Record<string, string>> = {
  READ: 'read from the provider',
  EVENT: 'from a job event',
  LIST: 'from a list row',
};

/**
 * The history store writes a change within a second of seeing it (group commit), so the page can
 * show a state its timeline does not have yet: the transitions are asked again, a second apart,
 * at most this many times per state the page shows.
 */
const CATCH_UP_TRIES = 5;
const CATCH_UP_MS = 1_000;

function isTransitions(value: unknown): value is Transition[] {
  return (
    Array.isArray(value) &&
    value.every(
      (t) => typeof t === 'object' && t !== null && typeof (t as Transition).to === 'string',
    )
  );
}

/**
 * The transitions to show: those the page's answer carried, and, while their last state is not
 * the job's state now (the change not written yet, or a live event newer than them), the job's
 * transitions asked again, bounded by CATCH_UP_TRIES.
 */
function useTransitions(
  id: string,
  token: string,
  state: string | null,
  carried: unknown,
  onRefused: (m: string) => void,
): Transition[] {
  const [asked, setAsked] = useState<Transition[] | null>(null);
  const fromPage = isTransitions(carried) ? carried : [];
  // The longer list wins: a live event's answer and an asked one are both the store's newest 100.
  const shown = asked && asked.length >= fromPage.length ? asked : fromPage;
  const caughtUp = state === null || shown.at(-1)?.to === state;
  useEffect(() => {
    if (caughtUp) return;
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    const ask = () => {
      tries++;
      graphql<{ job: { transitions: Transition[] } | null }>(
        TRANSITIONS_QUERY,
        { id },
        token,
        abort.signal,
      ).then(
        (r) => {
          const found = r.data?.job?.transitions;
          if (found) setAsked(found);
          if (found?.at(-1)?.to !== state && tries < CATCH_UP_TRIES)
            timer = setTimeout(ask, CATCH_UP_MS);
        },
        (err: unknown) => {
          if (err instanceof TokenRefusedError) onRefused(err.message);
        },
      );
    };
    timer = setTimeout(ask, CATCH_UP_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [id, state, caughtUp]);
  return shown;
}

/** One change of the timeline: when, from which state to which, the provider's status and where it was learnt. */
function TransitionItem({ t }: { t: Transition }) {
  return (
    <li
      data-transition={t.to}
      data-source={t.source}
      {...(t.from ? { 'data-from': t.from } : {})}
      {...(t.contradictedAt
        ? { 'data-contradicted': t.contradictedAt, class: 'contradicted' }
        : {})}
    >
      <time dateTime={t.at}>{utc(t.at)}</time>{' '}
      <span class="change">
        {t.from ? (
          <>
            <StateBadge state={t.from} /> <span aria-hidden="true">→</span>
            <span class="sr-only"> to </span>{' '}
          </>
        ) : (
          <span class="muted">first seen </span>
        )}
        <StateBadge state={t.to} />
      </span>
      {t.providerStatus ? (
        <span class="provider-status">
          {' · provider status '}
          <code>{t.providerStatus}</code>
        </span>
      ) : null}
      <span class={`source source-${t.source}`}>{` · ${SOURCE_WORDS[t.source] ?? t.source}`}</span>
      {t.contradictedAt ? (
        <span class="contradiction">
          {' · contradicted by the provider, read at '}
          <time dateTime={t.contradictedAt}>{utc(t.contradictedAt)}</time>
        </span>
      ) : null}
    </li>
  );
}

/**
 * The job's timeline: every change jobgraph saw (at most the newest 100), oldest first as the
 * graph answers them, each with when, from which state to which, the provider's status and where
 * it was learnt. An ordered list, so a screen reader reads it in order.
 */
export function Timeline({
  id,
  token,
  state,
  name,
  transitions,
  onRefused,
}: {
  id: string;
  token: string;
  /** The name the provider gives the job, which the heading leads with; null where it gives none. */
  name: string | null;
  /** The job's state as the page shows it now. */
  state: string | null;
  /** `Job.transitions` as the page's answer (or its latest live event) carried them. */
  transitions: unknown;
  onRefused: (m: string) => void;
}) {
  const shown = useTransitions(id, token, state, transitions, onRefused);
  return (
    <section aria-labelledby="timeline-title" class="timeline-box" data-timeline={shown.length}>
      <h2 id="timeline-title">
        Timeline{name !== null ? <span data-timeline-name> of {name}</span> : null}
      </h2>
      {shown.length === 0 ? (
        <p class="muted">
          No change recorded yet: jobgraph writes what it sees to its history store within a second
          (none when history is off).
        </p>
      ) : (
        <>
          <p class="muted">
            {shown.length} {shown.length === 1 ? 'change' : 'changes'} jobgraph saw, oldest first
            {shown.length >= 100 ? ' (the newest 100)' : ''}.
          </p>
          <ol class="timeline">
            {shown.map((t) => (
              <TransitionItem key={`${t.at} ${t.to}`} t={t} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
