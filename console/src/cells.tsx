import { useState } from 'preact/hooks';
import { isoDuration, jobSpan, relative, spanWords, stateLabel, utc } from './format.ts';

/** A time as "5 min ago", the UTC time on hover; `missing` on hover of the dash when there is none. */
export function Time({ iso, now, missing }: { iso: string | null; now: number; missing?: string }) {
  if (!iso) {
    return (
      <span class="muted" title={missing}>
        —
      </span>
    );
  }
  return (
    <time dateTime={iso} title={utc(iso)}>
      {relative(iso, now)}
    </time>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{stateLabel(state)}</span>;
}

/** When a finished job finished; a dash (saying why on hover) while it runs or when the provider does not say. */
export function Finished({
  job,
  now,
}: {
  job: { completedAt?: unknown; terminal?: unknown };
  now: number;
}) {
  const iso = typeof job.completedAt === 'string' ? job.completedAt : null;
  const missing =
    job.terminal === true ? 'The provider does not report when this job finished' : 'Not finished';
  return <Time iso={iso} now={now} missing={missing} />;
}

/**
 * How long the job took (created → completed), or "12 min so far" while it runs, as a `<time>`
 * whose `datetime` is the ISO duration; the two ends in UTC on hover.
 */
export function Duration({
  job,
  now,
}: {
  job: { createdAt?: unknown; completedAt?: unknown; terminal?: unknown };
  now: number;
}) {
  const span = jobSpan(job, now);
  if (!span) {
    const why =
      typeof job.createdAt !== 'string'
        ? 'The provider does not report when this job was created'
        : 'The provider does not report when this job finished';
    return (
      <span class="muted" title={why}>
        —
      </span>
    );
  }
  const title = span.to
    ? `${utc(span.from)} (created) → ${utc(span.to)} (completed)`
    : `Since ${utc(span.from)} (created); not finished`;
  return (
    <time
      dateTime={isoDuration(span.ms)}
      title={title}
      {...(span.running ? { 'data-running': '' } : {})}
    >
      {span.running ? `${spanWords(span.ms, true)} so far` : spanWords(span.ms)}
    </time>
  );
}

/**
 * How a job that is not finished is followed: "live by events" (its provider's job events, a slow
 * read behind them) or "live by polling" (docs/events.md); nothing for a finished job.
 */
export function LiveBy({ job }: { job: { liveBy?: unknown; terminal?: unknown } }) {
  if (job.terminal === true || (job.liveBy !== 'EVENTS' && job.liveBy !== 'POLLING')) return null;
  const events = job.liveBy === 'EVENTS';
  return (
    <span
      class={`live-by ${events ? 'events' : 'polling'}`}
      data-live-by={job.liveBy}
      title={
        events
          ? 'Moved by its provider’s job events (SQS), re-read every few minutes behind them'
          : 'Polled: its provider publishes no job events here, or its event queue cannot be read'
      }
    >
      {events ? ' live by events' : ' live by polling'}
    </span>
  );
}

/** A button that copies `text` to the clipboard and says so. */
export function Copy({ text, label }: { text: string; label: string }) {
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

/**
 * A job as people know it: the name its provider gives it (`Job.name`), with its own ID beside it
 * to copy; the ID alone where the provider names none. `href` makes the name a link.
 */
export function JobName({
  job,
  href,
}: {
  job: { id: string; nativeId: string; name?: string | null };
  href?: string;
}) {
  const name = job.name ?? null;
  const title = name ?? job.nativeId;
  return (
    <span class="job-name">
      {href ? (
        <a href={href} title={job.id} data-job-name={name ?? ''}>
          {title}
        </a>
      ) : (
        <span data-job-name={name ?? ''}>{title}</span>
      )}
      {name !== null ? (
        <span class="job-native-id">
          <code data-native-id>{job.nativeId}</code> <Copy text={job.nativeId} label="Copy ID" />
        </span>
      ) : null}
    </span>
  );
}

/** A failed job's cause (`Job.failure`): its category, then its one sentence. */
export function FailureCause({ failure }: { failure: { category: string; summary: string } }) {
  return (
    <span class="failure-cause" data-failure-category={failure.category}>
      <strong>{failure.category.replace(/_/g, ' ')}</strong> {failure.summary}
    </span>
  );
}
